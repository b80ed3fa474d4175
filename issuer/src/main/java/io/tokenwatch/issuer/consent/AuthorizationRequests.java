package io.tokenwatch.issuer.consent;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.issuer.policy.AudienceRule;
import io.tokenwatch.issuer.policy.ClientPolicy;
import io.tokenwatch.issuer.policy.OAuthError;
import io.tokenwatch.issuer.policy.Policy;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Reads an authorization request (RFC 6749 section 4.1.1, RFC 7636, RFC 8707) against the policy.
 * Until the client and its redirect URI are known good, a problem is {@link Reading.Invalid}: shown
 * to the person, never redirected (RFC 6749 section 4.1.2.1), so the endpoint cannot be made an
 * open redirector. After that, a problem is {@link Reading.Refused}: sent back to the registered
 * redirect URI with the request's state. Stateless.
 */
public final class AuthorizationRequests {

  /** The longest {@code purpose}, in characters: a sentence or two, not a document. */
  public static final int MAX_PURPOSE_LENGTH = 300;

  /** The longest {@code state} or {@code nonce} accepted. */
  public static final int MAX_STATE_LENGTH = 512;

  /** The scope that asks for an ID token (OpenID Connect Core section 3.1.2.1). */
  public static final String OPENID = "openid";

  private AuthorizationRequests() {}

  /** The outcome of reading an authorization request. */
  public sealed interface Reading {

    /** Nothing to redirect to: the person sees this explanation. */
    record Invalid(String detail) implements Reading {
      public Invalid {
        requireNonNull(detail, "detail");
      }
    }

    /**
     * The client and its redirect URI are good but the request is not: the error goes back there.
     *
     * @param state the request's state, when it gave one
     */
    record Refused(String redirectUri, @Nullable String state, OAuthError error, String description)
        implements Reading {
      public Refused {
        requireNonNull(redirectUri, "redirectUri");
        requireNonNull(error, "error");
        requireNonNull(description, "description");
      }
    }

    /** Everything checks out; the person may now be asked. */
    record Valid(AuthorizationRequest request, ClientPolicy client, AudienceRule rule)
        implements Reading {
      public Valid {
        requireNonNull(request, "request");
        requireNonNull(client, "client");
        requireNonNull(rule, "rule");
      }
    }
  }

  /**
   * Reads a request.
   *
   * @param params every query parameter with all its values; a parameter given twice is refused
   *     (RFC 6749 section 3.1), except {@code resource}, which must then name one audience
   * @param policy the policy in force
   */
  public static Reading read(Map<String, List<String>> params, Policy policy) {
    requireNonNull(params, "params");
    requireNonNull(policy, "policy");
    String clientId = single(params, "client_id");
    if (clientId == null || clientId.isEmpty()) {
      return new Reading.Invalid("The request names no client (client_id), or names it twice.");
    }
    ClientPolicy client = policy.client(clientId).orElse(null);
    if (client == null) {
      return new Reading.Invalid("No client called " + clientId + " is registered here.");
    }
    String redirectUri = single(params, "redirect_uri");
    if (redirectUri == null || redirectUri.isEmpty()) {
      return new Reading.Invalid(
          "The request names no redirect address (redirect_uri), or names it twice.");
    }
    if (!client.registered(redirectUri)) {
      // Never echo the address: it is attacker-controlled and this page must not point to it.
      return new Reading.Invalid(
          "The redirect address in the request is not one registered for "
              + clientId
              + "; nothing was sent to it.");
    }
    String state = single(params, "state");
    Refuser refuse = new Refuser(redirectUri, state);
    for (Map.Entry<String, List<String>> param : params.entrySet()) {
      if (param.getValue().size() > 1 && !param.getKey().equals("resource")) {
        return refuse.with(OAuthError.INVALID_REQUEST, param.getKey() + " is given more than once");
      }
    }
    if (!"code".equals(single(params, "response_type"))) {
      return refuse.with(
          OAuthError.UNSUPPORTED_RESPONSE_TYPE, "only response_type=code is supported");
    }
    if (state == null || state.isEmpty() || state.length() > MAX_STATE_LENGTH) {
      return refuse.with(
          OAuthError.INVALID_REQUEST,
          "state is required (at most " + MAX_STATE_LENGTH + " characters)");
    }
    String nonce = single(params, "nonce");
    if (nonce == null || nonce.isEmpty() || nonce.length() > MAX_STATE_LENGTH) {
      return refuse.with(
          OAuthError.INVALID_REQUEST,
          "nonce is required (at most " + MAX_STATE_LENGTH + " characters)");
    }
    String method = single(params, "code_challenge_method");
    String challenge = single(params, "code_challenge");
    if (challenge == null || method == null) {
      return refuse.with(
          OAuthError.INVALID_REQUEST,
          "PKCE is required: code_challenge and code_challenge_method=S256");
    }
    if (!method.equals("S256")) {
      return refuse.with(
          OAuthError.INVALID_REQUEST, "code_challenge_method must be S256; plain is not accepted");
    }
    if (!Pkce.wellFormedChallenge(challenge)) {
      return refuse.with(
          OAuthError.INVALID_REQUEST, "code_challenge must be a base64url SHA-256 (43 characters)");
    }
    Set<String> named = new LinkedHashSet<>(params.getOrDefault("resource", List.of()));
    String audienceParam = single(params, "audience");
    if (audienceParam != null) {
      named.add(audienceParam);
    }
    if (named.size() > 1) {
      return refuse.with(
          OAuthError.INVALID_TARGET, "name one audience; ask a consent per resource");
    }
    String audience = named.isEmpty() ? onlyConsentableAudience(client) : named.iterator().next();
    if (audience == null) {
      return refuse.with(OAuthError.INVALID_TARGET, "name the audience (audience or resource)");
    }
    AudienceRule rule = client.rule(audience).orElse(null);
    if (rule == null || !rule.userConsent()) {
      return refuse.with(
          OAuthError.INVALID_TARGET,
          "client " + clientId + " may not ask people for access to " + audience);
    }
    List<String> scopes = new ArrayList<>();
    boolean openid = false;
    String scope = single(params, "scope");
    for (String part : scope == null ? new String[0] : scope.split(" ")) {
      if (part.equals(OPENID)) {
        openid = true;
      } else if (!part.isEmpty() && !scopes.contains(part)) {
        scopes.add(part);
      }
    }
    if (scopes.isEmpty()) {
      return refuse.with(OAuthError.INVALID_SCOPE, "name the scopes you ask the person for");
    }
    List<String> unapproved = new ArrayList<>();
    for (String s : scopes) {
      if (!rule.scopes().contains(s)) {
        unapproved.add(s);
      }
    }
    if (!unapproved.isEmpty()) {
      return refuse.with(
          OAuthError.INVALID_SCOPE,
          "scope(s) " + String.join(" ", unapproved) + " cannot be consented to for " + audience);
    }
    String purpose = single(params, "purpose");
    String purposeProblem = purposeProblem(purpose);
    if (purposeProblem != null) {
      return refuse.with(OAuthError.INVALID_REQUEST, purposeProblem);
    }
    return new Reading.Valid(
        new AuthorizationRequest(
            clientId,
            redirectUri,
            audience,
            scopes,
            openid,
            state,
            nonce,
            challenge,
            requireNonNull(purpose).strip(),
            rule.ruleId()),
        client,
        rule);
  }

  private static @Nullable String purposeProblem(@Nullable String purpose) {
    if (purpose == null || purpose.isBlank()) {
      return "purpose is required: say in a sentence what the access is for";
    }
    if (purpose.length() > MAX_PURPOSE_LENGTH) {
      return "purpose is longer than " + MAX_PURPOSE_LENGTH + " characters";
    }
    if (purpose.codePoints().anyMatch(Character::isISOControl)) {
      return "purpose must be plain text on one line";
    }
    return null;
  }

  /** The one audience people may consent to for this client, null when none or several. */
  private static @Nullable String onlyConsentableAudience(ClientPolicy client) {
    List<String> audiences =
        client.audiences().values().stream()
            .filter(AudienceRule::userConsent)
            .map(AudienceRule::audience)
            .toList();
    return audiences.size() == 1 ? audiences.get(0) : null;
  }

  private static @Nullable String single(Map<String, List<String>> params, String name) {
    List<String> values = params.get(name);
    return values == null || values.size() != 1 ? null : values.get(0);
  }

  /** Builds refusals sent back to a validated redirect URI. */
  private record Refuser(String redirectUri, @Nullable String state) {
    Reading with(OAuthError error, String description) {
      return new Reading.Refused(redirectUri, state, error, description);
    }
  }
}
