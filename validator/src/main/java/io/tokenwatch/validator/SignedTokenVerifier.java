package io.tokenwatch.validator;

import com.nimbusds.jose.Algorithm;
import com.nimbusds.jose.Header;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The part of validation that never changes with time: a token's shape (a canonical compact JWS),
 * its algorithm, type and key, its signature, issuer and audience, and its claims read into a
 * {@link VerifiedToken}. {@link TokenValidator} caches what this yields per token and checks
 * everything time-dependent itself. Thread-safe.
 */
final class SignedTokenVerifier {

  private static final JOSEObjectType AT_JWT = new JOSEObjectType("at+jwt");
  private static final JOSEObjectType APPLICATION_AT_JWT = new JOSEObjectType("application/at+jwt");

  /** What checking a token's shape, signature, issuer and audience yields. */
  sealed interface Verification permits Verified, Rejected {}

  /** The token verifies; these are its claims. */
  record Verified(VerifiedToken token) implements Verification {}

  /** The token does not verify, and why. */
  record Rejected(Decision.Deny deny) implements Verification {}

  private final String issuer;
  private final String audience;
  private final JwksSource jwks;
  private final Set<JWSAlgorithm> algorithms;

  SignedTokenVerifier(
      String issuer, String audience, JwksSource jwks, Set<JWSAlgorithm> algorithms) {
    this.issuer = issuer;
    this.audience = audience;
    this.jwks = jwks;
    this.algorithms = Set.copyOf(algorithms);
  }

  private static boolean canonicalBase64Url(String part) {
    try {
      byte[] bytes = Base64.getUrlDecoder().decode(part);
      return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes).equals(part);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * Checks shape, algorithm, key, signature, issuer and audience; nothing that changes with time.
   */
  Verification verify(String token) {
    int dot1 = token.indexOf('.');
    int dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
    if (dot1 <= 0 || dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0) {
      return reject(DenyReason.MALFORMED, "not a JWS in compact serialization");
    }
    if (!canonicalBase64Url(token.substring(0, dot1))
        || !canonicalBase64Url(token.substring(dot1 + 1, dot2))
        || !canonicalBase64Url(token.substring(dot2 + 1))) {
      // Base64 leaves spare bits in the last character: several strings decode to the same
      // bytes. Only the canonical one is the token that was issued (RFC 7515 section 2).
      return reject(DenyReason.MALFORMED, "a part is not canonical unpadded base64url");
    }
    Header header;
    try {
      header = Header.parse(new Base64URL(token.substring(0, dot1)));
    } catch (ParseException e) {
      return reject(DenyReason.MALFORMED, "header cannot be parsed");
    }
    if (!(header instanceof JWSHeader jws)) {
      return Algorithm.NONE.equals(header.getAlgorithm())
          ? reject(DenyReason.ALGORITHM_NOT_ALLOWED, "unsigned token (alg none)")
          : reject(DenyReason.MALFORMED, "not a signed token");
    }
    JWSAlgorithm alg = jws.getAlgorithm();
    if (!algorithms.contains(alg)) {
      return reject(DenyReason.ALGORITHM_NOT_ALLOWED, "algorithm not allowed: " + alg);
    }
    if (!AT_JWT.equals(jws.getType()) && !APPLICATION_AT_JWT.equals(jws.getType())) {
      return reject(DenyReason.WRONG_TYPE, "typ is not at+jwt: " + jws.getType());
    }
    URI jku = jws.getJWKURL();
    if (jku != null && !jku.equals(jwks.location())) {
      return reject(DenyReason.UNKNOWN_KEY, "jku header names a key set other than the issuer's");
    }
    if (jws.getX509CertURL() != null || jws.getJWK() != null || jws.getX509CertChain() != null) {
      return reject(
          DenyReason.UNKNOWN_KEY, "keys named or embedded in the header are not honoured");
    }
    String kid = jws.getKeyID();
    if (kid == null) {
      return reject(DenyReason.UNKNOWN_KEY, "no kid header");
    }
    JwksSource.Entry key = jwks.find(kid);
    if (key == null) {
      return reject(DenyReason.UNKNOWN_KEY, "no issuer key with kid " + kid);
    }
    if ((key.key().getAlgorithm() != null && !alg.equals(key.key().getAlgorithm()))
        || !key.verifier().supportedJWSAlgorithms().contains(alg)) {
      return reject(DenyReason.ALGORITHM_NOT_ALLOWED, "key " + kid + " is not for " + alg);
    }
    try {
      byte[] signingInput = token.substring(0, dot2).getBytes(StandardCharsets.US_ASCII);
      if (!key.verifier().verify(jws, signingInput, new Base64URL(token.substring(dot2 + 1)))) {
        return reject(DenyReason.BAD_SIGNATURE, "signature does not verify with key " + kid);
      }
    } catch (JOSEException e) {
      return reject(DenyReason.BAD_SIGNATURE, "signature does not verify with key " + kid);
    }
    JWTClaimsSet claims;
    try {
      claims = JWTClaimsSet.parse(new Base64URL(token.substring(dot1 + 1, dot2)).decodeToString());
    } catch (ParseException e) {
      return reject(DenyReason.MALFORMED, "claims cannot be parsed");
    }
    if (!issuer.equals(claims.getIssuer())) {
      return reject(DenyReason.WRONG_ISSUER, "iss is not " + issuer);
    }
    List<String> aud = claims.getAudience();
    if (!aud.contains(audience)) {
      return reject(DenyReason.WRONG_AUDIENCE, "aud does not include " + audience);
    }
    try {
      return new Verified(toVerifiedToken(claims, aud, kid));
    } catch (ParseException | IllegalArgumentException | NullPointerException e) {
      return reject(DenyReason.MALFORMED, "claims malformed: " + e.getMessage());
    }
  }

  private static VerifiedToken toVerifiedToken(JWTClaimsSet c, List<String> aud, String kid)
      throws ParseException {
    String scope = c.getStringClaim("scope");
    Set<String> scopes =
        scope == null || scope.isBlank() ? Set.of() : Set.of(scope.trim().split(" +"));
    Map<String, Object> cnf = c.getJSONObjectClaim("cnf");
    Map<String, Object> act = c.getJSONObjectClaim("act");
    List<String> lineage = c.getStringListClaim("lineage");
    return new VerifiedToken(
        required(c.getJWTID(), "jti"),
        required(c.getIssuer(), "iss"),
        required(c.getSubject(), "sub"),
        aud,
        required(c.getStringClaim("client_id"), "client_id"),
        scopes,
        required(c.getIssueTime(), "iat").toInstant(),
        c.getNotBeforeTime() == null ? null : c.getNotBeforeTime().toInstant(),
        required(c.getExpirationTime(), "exp").toInstant(),
        c.getIntegerClaim("max_uses"),
        c.getStringClaim("grant_id"),
        c.getStringClaim("policy_id"),
        c.getStringClaim("policy_version"),
        stringMember(cnf, "jkt"),
        stringMember(cnf, "x5t#S256"),
        stringMember(act, "sub"),
        stringMember(act, "client_id"),
        c.getStringClaim("parent_jti"),
        lineage == null ? List.of() : new ArrayList<>(lineage),
        kid);
  }

  private static <T> T required(@Nullable T value, String claim) throws ParseException {
    if (value == null) {
      throw new ParseException("missing claim " + claim, 0);
    }
    return value;
  }

  private static @Nullable String stringMember(@Nullable Map<String, Object> map, String name)
      throws ParseException {
    if (map == null || !map.containsKey(name)) {
      return null;
    }
    if (map.get(name) instanceof String s) {
      return s;
    }
    throw new ParseException("claim member " + name + " is not a string", 0);
  }

  private static Rejected reject(DenyReason reason, String detail) {
    return new Rejected(TokenValidator.deny(reason, detail));
  }
}
