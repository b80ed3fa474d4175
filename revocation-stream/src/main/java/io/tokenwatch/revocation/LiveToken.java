package io.tokenwatch.revocation;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A token the registry knows and that has not yet expired: what introspection answers with and what
 * selectors are matched against.
 *
 * @param id the token id (jti)
 * @param subject the subject ({@code sub})
 * @param clientId the client it was issued to
 * @param grantId the grant (refresh family) it belongs to
 * @param grantType the OAuth grant it was requested with
 * @param parentId for a delegated token, the token it was exchanged from
 * @param lineage ancestor token ids, nearest first
 * @param audience the audience ({@code aud})
 * @param issuedAt {@code iat}
 * @param expiresAt {@code exp}, after {@code issuedAt}
 * @param maxUses the use limit, or null for none
 * @param scopes the granted scopes
 */
public record LiveToken(
    String id,
    String subject,
    String clientId,
    String grantId,
    String grantType,
    @Nullable String parentId,
    List<String> lineage,
    String audience,
    Instant issuedAt,
    Instant expiresAt,
    @Nullable Integer maxUses,
    List<String> scopes) {

  public LiveToken {
    requireNonBlank(id, "id");
    requireNonBlank(subject, "subject");
    requireNonBlank(clientId, "clientId");
    requireNonBlank(grantId, "grantId");
    requireNonNull(grantType, "grantType");
    requireNonBlank(audience, "audience");
    requireNonNull(issuedAt, "issuedAt");
    requireNonNull(expiresAt, "expiresAt");
    lineage = List.copyOf(lineage);
    scopes = List.copyOf(scopes);
    if (!expiresAt.isAfter(issuedAt)) {
      throw new IllegalArgumentException(
          "token " + id + " expires at " + expiresAt + ", not after its issuance at " + issuedAt);
    }
    if (maxUses != null && maxUses < 0) {
      throw new IllegalArgumentException("maxUses must not be negative, was " + maxUses);
    }
  }

  /** Every selector that could match this token, in the order a reader would check them. */
  public List<Selector> candidateSelectors() {
    List<Selector> selectors = new ArrayList<>(6 + lineage.size());
    selectors.add(new Selector(SelectorKind.TOKEN, id));
    selectors.add(new Selector(SelectorKind.LINEAGE, id));
    for (String ancestor : lineage) {
      selectors.add(new Selector(SelectorKind.LINEAGE, ancestor));
    }
    selectors.add(new Selector(SelectorKind.GRANT, grantId));
    selectors.add(new Selector(SelectorKind.SUBJECT, subject));
    selectors.add(new Selector(SelectorKind.CLIENT, clientId));
    selectors.add(new Selector(SelectorKind.AUDIENCE, audience));
    return selectors;
  }

  /** Whether {@code selector} names this token, ignoring any watermark. */
  public boolean isNamedBy(Selector selector) {
    String value = selector.value();
    return switch (selector.kind()) {
      case TOKEN -> id.equals(value);
      case LINEAGE -> id.equals(value) || lineage.contains(value);
      case GRANT -> grantId.equals(value);
      case SUBJECT -> subject.equals(value);
      case CLIENT -> clientId.equals(value);
      case AUDIENCE -> audience.equals(value);
    };
  }

  private static void requireNonBlank(String value, String name) {
    requireNonNull(value, name);
    if (value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
  }
}
