package io.tokenwatch.issuer.policy;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One client of the policy.
 *
 * @param clientId the OAuth client id
 * @param kind machine (confidential) or public
 * @param secretHash base64url SHA-256 of the client secret, or null when the client has none
 * @param mtlsThumbprint base64url SHA-256 thumbprint of the client's certificate, or null
 * @param audiences what it may get, per audience
 * @param mayActForOthers whether it may exchange a subject's token for a delegated one (RFC 8693)
 */
public record ClientPolicy(
    String clientId,
    ClientKind kind,
    @Nullable String secretHash,
    @Nullable String mtlsThumbprint,
    Map<String, AudienceRule> audiences,
    boolean mayActForOthers) {

  public ClientPolicy {
    requireNonNull(clientId, "clientId");
    requireNonNull(kind, "kind");
    audiences = Map.copyOf(requireNonNull(audiences, "audiences"));
  }

  /** The rule for {@code audience}, empty when the client may not get tokens for it. */
  public Optional<AudienceRule> rule(String audience) {
    return Optional.ofNullable(audiences.get(audience));
  }
}
