package io.tokenwatch.issuer.consent;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * An authorization request that passed every check of {@link AuthorizationRequests#read}: its
 * client, redirect URI and audience are in policy, its scopes are all approvable by the person.
 *
 * @param clientId the client asking to act for the person
 * @param redirectUri one of the client's registered redirect URIs, exactly
 * @param audience the resource the tokens will be for
 * @param scopes the resource scopes asked for, each once, in request order (without {@code openid})
 * @param openid whether the client asked for {@code openid}: an ID token comes with the tokens
 * @param state the client's value, returned with the code or error
 * @param nonce the client's value, returned in the ID token
 * @param codeChallenge the PKCE S256 challenge the code's redemption must answer
 * @param purpose what the client says it needs the access for, shown to the person
 * @param ruleId the policy rule that lets people consent to these scopes
 */
public record AuthorizationRequest(
    String clientId,
    String redirectUri,
    String audience,
    List<String> scopes,
    boolean openid,
    String state,
    String nonce,
    String codeChallenge,
    String purpose,
    String ruleId) {

  public AuthorizationRequest {
    requireNonNull(clientId, "clientId");
    requireNonNull(redirectUri, "redirectUri");
    requireNonNull(audience, "audience");
    scopes = List.copyOf(requireNonNull(scopes, "scopes"));
    if (scopes.isEmpty()) {
      throw new IllegalArgumentException("scopes must not be empty");
    }
    requireNonNull(state, "state");
    requireNonNull(nonce, "nonce");
    requireNonNull(codeChallenge, "codeChallenge");
    requireNonNull(purpose, "purpose");
    requireNonNull(ruleId, "ruleId");
  }
}
