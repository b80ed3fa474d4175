package io.tokenwatch.issuer.consent;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;

/**
 * What an authorization code stands for: one consent, redeemable once, by its client, with its
 * redirect URI and the PKCE verifier of its challenge.
 *
 * @param consentId the consent the code carries
 * @param clientId the client it was issued to
 * @param redirectUri the redirect URI of the authorization request; the token request must repeat
 *     it
 * @param codeChallenge the PKCE S256 challenge
 * @param nonce the request's nonce, for the ID token
 * @param openid whether an ID token is to be issued
 * @param user the person who consented
 * @param audience the resource
 * @param scopes the scopes the person approved
 * @param authTime when the person consented
 * @param expiresAt when the code expires
 */
public record CodeGrant(
    String consentId,
    String clientId,
    String redirectUri,
    String codeChallenge,
    String nonce,
    boolean openid,
    String user,
    String audience,
    List<String> scopes,
    Instant authTime,
    Instant expiresAt) {

  public CodeGrant {
    requireNonNull(consentId, "consentId");
    requireNonNull(clientId, "clientId");
    requireNonNull(redirectUri, "redirectUri");
    requireNonNull(codeChallenge, "codeChallenge");
    requireNonNull(nonce, "nonce");
    requireNonNull(user, "user");
    requireNonNull(audience, "audience");
    scopes = List.copyOf(requireNonNull(scopes, "scopes"));
    requireNonNull(authTime, "authTime");
    requireNonNull(expiresAt, "expiresAt");
  }
}
