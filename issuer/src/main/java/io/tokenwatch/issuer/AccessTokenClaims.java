package io.tokenwatch.issuer;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.issuer.policy.Binding;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The claims of one access token, as docs/TOKENS.md defines them.
 *
 * @param issuer {@code iss}
 * @param subject {@code sub}
 * @param audience {@code aud}
 * @param issuedAt {@code iat} and {@code nbf}
 * @param expiresAt {@code exp}
 * @param tokenId {@code jti}
 * @param clientId {@code client_id}
 * @param scopes the <code>scope</code> claim, in request order
 * @param maxUses {@code max_uses}, or null
 * @param grantId {@code grant_id}
 * @param policyId {@code policy_id}
 * @param policyVersion {@code policy_version}
 * @param binding the binding kind
 * @param bindingThumbprint {@code cnf.jkt} or {@code cnf.x5t#S256}; null for a bearer token
 * @param actor {@code act} (RFC 8693, possibly nested), or null
 * @param parentTokenId {@code parent_jti}, or null
 * @param lineage {@code lineage}, nearest first; empty for a root token
 */
public record AccessTokenClaims(
    String issuer,
    String subject,
    String audience,
    Instant issuedAt,
    Instant expiresAt,
    String tokenId,
    String clientId,
    List<String> scopes,
    @Nullable Integer maxUses,
    String grantId,
    String policyId,
    String policyVersion,
    Binding binding,
    @Nullable String bindingThumbprint,
    @Nullable Map<String, Object> actor,
    @Nullable String parentTokenId,
    List<String> lineage) {

  public AccessTokenClaims {
    requireNonNull(issuer, "issuer");
    requireNonNull(subject, "subject");
    requireNonNull(audience, "audience");
    requireNonNull(issuedAt, "issuedAt");
    requireNonNull(expiresAt, "expiresAt");
    requireNonNull(tokenId, "tokenId");
    requireNonNull(clientId, "clientId");
    scopes = List.copyOf(scopes);
    requireNonNull(grantId, "grantId");
    requireNonNull(policyId, "policyId");
    requireNonNull(policyVersion, "policyVersion");
    requireNonNull(binding, "binding");
    lineage = List.copyOf(lineage);
    if (!expiresAt.isAfter(issuedAt)) {
      throw new IllegalArgumentException("expiresAt must be after issuedAt");
    }
    if ((binding == Binding.NONE) != (bindingThumbprint == null)) {
      throw new IllegalArgumentException("a bound token needs a thumbprint, a bearer token none");
    }
  }
}
