package io.tokenwatch.validator;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The claims of an access token whose signature, type, issuer and audience have been verified (see
 * docs/TOKENS.md for each claim). Immutable.
 *
 * @param tokenId {@code jti}
 * @param issuer {@code iss}
 * @param subject {@code sub}
 * @param audience {@code aud} (one value per the contract; a list is accepted)
 * @param clientId {@code client_id}
 * @param scopes the token's scopes (the claim holds them space-separated)
 * @param issuedAt {@code iat}
 * @param notBefore {@code nbf}, when present
 * @param expiresAt {@code exp}
 * @param maxUses {@code max_uses}, when policy set one
 * @param grantId {@code grant_id}, when present
 * @param policyId {@code policy_id}, when present
 * @param policyVersion {@code policy_version}, when present
 * @param dpopThumbprint {@code cnf.jkt}: the token is bound to this DPoP key (RFC 9449)
 * @param certificateThumbprint {@code cnf.x5t#S256}: the token is bound to this certificate (RFC
 *     8705)
 * @param actorSubject {@code act.sub} of a delegated token
 * @param actorClientId {@code act.client_id} of a delegated token
 * @param parentTokenId {@code parent_jti} of a delegated token
 * @param lineage {@code lineage}: ancestor token ids, nearest first; empty when not delegated
 * @param keyId the {@code kid} of the key that signed it
 */
public record VerifiedToken(
    String tokenId,
    String issuer,
    String subject,
    List<String> audience,
    String clientId,
    Set<String> scopes,
    Instant issuedAt,
    @Nullable Instant notBefore,
    Instant expiresAt,
    @Nullable Integer maxUses,
    @Nullable String grantId,
    @Nullable String policyId,
    @Nullable String policyVersion,
    @Nullable String dpopThumbprint,
    @Nullable String certificateThumbprint,
    @Nullable String actorSubject,
    @Nullable String actorClientId,
    @Nullable String parentTokenId,
    List<String> lineage,
    String keyId) {

  public VerifiedToken {
    requireNonNull(tokenId, "tokenId");
    requireNonNull(issuer, "issuer");
    requireNonNull(subject, "subject");
    audience = List.copyOf(requireNonNull(audience, "audience"));
    requireNonNull(clientId, "clientId");
    scopes = Set.copyOf(requireNonNull(scopes, "scopes"));
    requireNonNull(issuedAt, "issuedAt");
    requireNonNull(expiresAt, "expiresAt");
    lineage = List.copyOf(requireNonNull(lineage, "lineage"));
    requireNonNull(keyId, "keyId");
  }

  /** The scopes as the {@code scope} claim writes them: space-separated, sorted. */
  public String scopeString() {
    return String.join(" ", scopes.stream().sorted().toList());
  }
}
