package io.tokenwatch.issuer.consent;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.ConsentGranted;
import java.time.Instant;
import java.util.List;

/**
 * A consent a person gave, as its {@code ConsentGranted} event says.
 *
 * @param id the consent id ({@code cns-...}), also the grant id of every token derived from it
 * @param user the person, the subject of those tokens
 * @param clientId the client allowed to act for them
 * @param audience the resource
 * @param scopes the scopes the person approved
 * @param purpose what the client said it needs the access for
 * @param grantedAt when the person approved
 * @param expiresAt when the consent, and every token derived from it, ends
 */
public record Consent(
    String id,
    String user,
    String clientId,
    String audience,
    List<String> scopes,
    String purpose,
    Instant grantedAt,
    Instant expiresAt) {

  /** The prefix of every consent id; a grant id with it names a consent. */
  public static final String ID_PREFIX = "cns-";

  public Consent {
    requireNonNull(id, "id");
    requireNonNull(user, "user");
    requireNonNull(clientId, "clientId");
    requireNonNull(audience, "audience");
    scopes = List.copyOf(requireNonNull(scopes, "scopes"));
    requireNonNull(purpose, "purpose");
    requireNonNull(grantedAt, "grantedAt");
    requireNonNull(expiresAt, "expiresAt");
  }

  /** The consent an event records. */
  public static Consent of(ConsentGranted event) {
    return new Consent(
        event.getConsentId(),
        event.getUser(),
        event.getClientId(),
        event.getAudience(),
        event.getGrantedScopes(),
        event.getPurpose(),
        event.getOccurredAt(),
        event.getExpiresAt());
  }

  /** Whether {@code grantId} is the id of a consent's grant. */
  public static boolean isConsentId(String grantId) {
    return grantId.startsWith(ID_PREFIX) && grantId.length() > ID_PREFIX.length();
  }
}
