package io.tokenwatch.validator;

import static java.util.Objects.requireNonNull;

import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One request presenting an access token: what {@link TokenValidator#validate(TokenRequest)}
 * decides on. Start with {@link #of(String, String, String, Set)} and add proofs with the {@code
 * with...} methods.
 *
 * @param token the access token as presented (the JWT, without the scheme)
 * @param scheme the {@code Authorization} scheme it came with
 * @param method the HTTP method of the request, e.g. {@code GET} (compared with DPoP {@code htm})
 * @param uri the absolute request URI, e.g. {@code https://api.example.com/orders/42} (compared
 *     with DPoP {@code htu}, without query and fragment); also the reported resource
 * @param requiredScopes scopes the resource requires; every one must be in the token
 * @param dpopProof the {@code DPoP} header, when sent
 * @param clientCertificateThumbprint base64url SHA-256 thumbprint of the mTLS client certificate,
 *     when the connection had one
 * @param sourceAddress the caller's network address, for usage reports
 * @param presentedClientId the client that presented the token, when known otherwise (e.g. from the
 *     certificate), for usage reports
 * @param rule the rule that set {@code requiredScopes} (a route rule id, an annotation, a config
 *     key), so usage reports name what decided; null when the caller names none
 * @param ruleVersion the version of the rules {@code rule} belongs to (e.g. a route table digest),
 *     when the caller has one
 */
public record TokenRequest(
    String token,
    Scheme scheme,
    String method,
    String uri,
    Set<String> requiredScopes,
    @Nullable String dpopProof,
    @Nullable String clientCertificateThumbprint,
    @Nullable String sourceAddress,
    @Nullable String presentedClientId,
    @Nullable String rule,
    @Nullable String ruleVersion) {

  /** The {@code Authorization} scheme. */
  public enum Scheme {
    /** {@code Authorization: Bearer} (RFC 6750). */
    BEARER,
    /** {@code Authorization: DPoP} (RFC 9449). */
    DPOP
  }

  public TokenRequest {
    requireNonNull(token, "token");
    requireNonNull(scheme, "scheme");
    requireNonNull(method, "method");
    requireNonNull(uri, "uri");
    requiredScopes = Set.copyOf(requireNonNull(requiredScopes, "requiredScopes"));
  }

  /** A request naming no rule (the form before rules were reported). */
  public TokenRequest(
      String token,
      Scheme scheme,
      String method,
      String uri,
      Set<String> requiredScopes,
      @Nullable String dpopProof,
      @Nullable String clientCertificateThumbprint,
      @Nullable String sourceAddress,
      @Nullable String presentedClientId) {
    this(
        token,
        scheme,
        method,
        uri,
        requiredScopes,
        dpopProof,
        clientCertificateThumbprint,
        sourceAddress,
        presentedClientId,
        null,
        null);
  }

  /** A bearer request with no proof. */
  public static TokenRequest of(
      String token, String method, String uri, Set<String> requiredScopes) {
    return new TokenRequest(
        token, Scheme.BEARER, method, uri, requiredScopes, null, null, null, null, null, null);
  }

  /**
   * A bearer request with no proof whose required scopes come from {@code rule}, which usage
   * reports name as the rule that decided.
   */
  public static TokenRequest of(
      String token, String method, String uri, Set<String> requiredScopes, @Nullable String rule) {
    return of(token, method, uri, requiredScopes).withRule(rule, null);
  }

  /**
   * This request with the rule that set its required scopes and, when known, the version of the
   * rules it belongs to; both go into usage reports ({@code route_rule}, {@code
   * route_table_version}).
   */
  public TokenRequest withRule(@Nullable String newRule, @Nullable String newRuleVersion) {
    return new TokenRequest(
        token,
        scheme,
        method,
        uri,
        requiredScopes,
        dpopProof,
        clientCertificateThumbprint,
        sourceAddress,
        presentedClientId,
        newRule,
        newRuleVersion);
  }

  /** This request with {@code Authorization: DPoP} and the given {@code DPoP} proof header. */
  public TokenRequest withDpopProof(@Nullable String proof) {
    return new TokenRequest(
        token,
        Scheme.DPOP,
        method,
        uri,
        requiredScopes,
        proof,
        clientCertificateThumbprint,
        sourceAddress,
        presentedClientId,
        rule,
        ruleVersion);
  }

  /** This request with another scheme. */
  public TokenRequest withScheme(Scheme newScheme) {
    return new TokenRequest(
        token,
        newScheme,
        method,
        uri,
        requiredScopes,
        dpopProof,
        clientCertificateThumbprint,
        sourceAddress,
        presentedClientId,
        rule,
        ruleVersion);
  }

  /** This request with the mTLS client certificate's {@code x5t#S256} thumbprint. */
  public TokenRequest withClientCertificateThumbprint(@Nullable String thumbprint) {
    return new TokenRequest(
        token,
        scheme,
        method,
        uri,
        requiredScopes,
        dpopProof,
        thumbprint,
        sourceAddress,
        presentedClientId,
        rule,
        ruleVersion);
  }

  /** This request with the caller's address and, when known, its client id. */
  public TokenRequest withSource(@Nullable String address, @Nullable String clientId) {
    return new TokenRequest(
        token,
        scheme,
        method,
        uri,
        requiredScopes,
        dpopProof,
        clientCertificateThumbprint,
        address,
        clientId,
        rule,
        ruleVersion);
  }

  @Override
  public String toString() {
    // Never print the token or the proof: they are credentials.
    return "TokenRequest{" + scheme + " " + method + " " + uri + " scopes=" + requiredScopes + "}";
  }
}
