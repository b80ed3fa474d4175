package io.tokenwatch.issuer.token;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.issuer.policy.OAuthError;
import org.jspecify.annotations.Nullable;

/** What the token endpoint answers. */
public sealed interface TokenResponse {

  /**
   * A token was issued and its event is durable.
   *
   * @param accessToken the signed access token
   * @param tokenType {@code Bearer} or {@code DPoP}
   * @param expiresIn lifetime in seconds
   * @param scope the granted scopes, space-separated
   * @param refreshToken a refresh token, or null
   * @param issuedTokenType for token exchange, the RFC 8693 token type URI; null otherwise
   * @param idToken for an authorization code whose request asked for {@code openid}, the OpenID
   *     Connect ID token; null otherwise
   */
  record Issued(
      String accessToken,
      String tokenType,
      long expiresIn,
      String scope,
      @Nullable String refreshToken,
      @Nullable String issuedTokenType,
      @Nullable String idToken)
      implements TokenResponse {
    public Issued {
      requireNonNull(accessToken, "accessToken");
      requireNonNull(tokenType, "tokenType");
      requireNonNull(scope, "scope");
    }

    /** This answer with an ID token. */
    public Issued withIdToken(String idToken) {
      return new Issued(
          accessToken,
          tokenType,
          expiresIn,
          scope,
          refreshToken,
          issuedTokenType,
          requireNonNull(idToken, "idToken"));
    }

    /** Never prints the tokens. */
    @Override
    public String toString() {
      return "Issued[tokenType="
          + tokenType
          + ", expiresIn="
          + expiresIn
          + ", scope="
          + scope
          + "]";
    }
  }

  /**
   * The request was refused.
   *
   * @param error the OAuth error
   * @param description human-readable {@code error_description}
   * @param basicChallenge whether to answer with {@code WWW-Authenticate: Basic} (the client tried
   *     HTTP Basic and failed)
   */
  record Refused(OAuthError error, String description, boolean basicChallenge)
      implements TokenResponse {
    public Refused {
      requireNonNull(error, "error");
      requireNonNull(description, "description");
    }
  }
}
