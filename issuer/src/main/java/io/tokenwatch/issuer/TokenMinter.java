package io.tokenwatch.issuer;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.tokenwatch.keys.SigningKey;
import io.tokenwatch.keys.SigningKeys;
import java.time.Instant;
import java.util.Date;
import java.util.Map;

/**
 * Signs access tokens (RFC 9068, {@code typ at+jwt}) and OpenID Connect ID tokens ({@code typ JWT})
 * with the current signing key. Thread-safe.
 */
public final class TokenMinter {

  /** The RFC 9068 media type of access tokens. */
  public static final JOSEObjectType AT_JWT = new JOSEObjectType("at+jwt");

  private final SigningKeys keys;

  public TokenMinter(SigningKeys keys) {
    this.keys = requireNonNull(keys, "keys");
  }

  /** A signed token and the key that signed it. */
  public record Minted(String jwt, String keyId) {}

  /** Signs {@code claims}. */
  public Minted mint(AccessTokenClaims claims) {
    requireNonNull(claims, "claims");
    SigningKey key = keys.current();
    JWTClaimsSet.Builder set =
        new JWTClaimsSet.Builder()
            .issuer(claims.issuer())
            .subject(claims.subject())
            .audience(claims.audience())
            .issueTime(Date.from(claims.issuedAt()))
            .notBeforeTime(Date.from(claims.issuedAt()))
            .expirationTime(Date.from(claims.expiresAt()))
            .jwtID(claims.tokenId())
            .claim("client_id", claims.clientId())
            .claim("scope", String.join(" ", claims.scopes()))
            .claim("grant_id", claims.grantId())
            .claim("policy_id", claims.policyId())
            .claim("policy_version", claims.policyVersion());
    if (claims.maxUses() != null) {
      set.claim("max_uses", claims.maxUses());
    }
    switch (claims.binding()) {
      case DPOP -> set.claim("cnf", Map.of("jkt", requireNonNull(claims.bindingThumbprint())));
      case MTLS -> set.claim("cnf", Map.of("x5t#S256", requireNonNull(claims.bindingThumbprint())));
      case NONE -> {
        // a bearer token carries no cnf
      }
    }
    if (claims.actor() != null) {
      set.claim("act", claims.actor());
    }
    if (claims.parentTokenId() != null) {
      set.claim("parent_jti", claims.parentTokenId());
      set.claim("lineage", claims.lineage());
    }
    return sign(key, AT_JWT, set.build());
  }

  /**
   * Signs an OpenID Connect ID token (Core section 2): the person ({@code sub}) as the client
   * ({@code aud}, {@code azp}) learns them, with the authorization request's {@code nonce}. It is
   * typed {@code JWT}, never {@code at+jwt}, so no resource server takes it for an access token.
   */
  public String idToken(
      String issuer,
      String subject,
      String clientId,
      String nonce,
      Instant authTime,
      Instant issuedAt,
      Instant expiresAt) {
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(requireNonNull(issuer, "issuer"))
            .subject(requireNonNull(subject, "subject"))
            .audience(requireNonNull(clientId, "clientId"))
            .claim("azp", clientId)
            .issueTime(Date.from(issuedAt))
            .expirationTime(Date.from(expiresAt))
            .claim("auth_time", authTime.getEpochSecond())
            .claim("nonce", requireNonNull(nonce, "nonce"))
            .build();
    return sign(keys.current(), JOSEObjectType.JWT, claims).jwt();
  }

  private static Minted sign(SigningKey key, JOSEObjectType type, JWTClaimsSet claims) {
    JWSHeader header =
        new JWSHeader.Builder(key.algorithm().jws()).type(type).keyID(key.kid()).build();
    SignedJWT jwt = new SignedJWT(header, claims);
    try {
      jwt.sign(key.signer());
    } catch (JOSEException e) {
      throw new IllegalStateException("signing with key " + key.kid() + " failed", e);
    }
    return new Minted(jwt.serialize(), key.kid());
  }
}
