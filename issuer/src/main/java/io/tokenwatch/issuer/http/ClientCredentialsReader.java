package io.tokenwatch.issuer.http;

import static io.tokenwatch.issuer.http.Answers.blankToNull;
import static io.tokenwatch.issuer.http.Answers.refuse;

import io.javalin.http.Context;
import io.tokenwatch.issuer.PresentedCredentials;
import io.tokenwatch.issuer.policy.OAuthError;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads what a request offers to authenticate its client (RFC 6749 section 2.3: HTTP Basic or the
 * form, never both) and the client certificate thumbprint a TLS terminator passes.
 */
final class ClientCredentialsReader {

  private final @Nullable String mtlsHeader;

  /**
   * @param mtlsHeader the header carrying a verified client certificate thumbprint, or null
   */
  ClientCredentialsReader(@Nullable String mtlsHeader) {
    this.mtlsHeader = mtlsHeader;
  }

  /** The verified client certificate's thumbprint, or null. */
  @Nullable String mtlsThumbprint(Context ctx) {
    return mtlsHeader == null ? null : blankToNull(ctx.header(mtlsHeader));
  }

  /** What the request offers to authenticate, or null after answering {@code invalid_request}. */
  @Nullable PresentedCredentials read(Context ctx, Map<String, String> params) {
    String clientId = blankToNull(params.get("client_id"));
    String secret = blankToNull(params.get("client_secret"));
    boolean basic = false;
    String authorization = ctx.header("Authorization");
    if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
      if (secret != null) {
        refuse(ctx, OAuthError.INVALID_REQUEST, "use one client authentication method", false);
        return null;
      }
      try {
        String decoded =
            new String(
                Base64.getDecoder().decode(authorization.substring(6).trim()),
                StandardCharsets.UTF_8);
        int colon = decoded.indexOf(':');
        if (colon < 0) {
          throw new IllegalArgumentException("no colon");
        }
        // RFC 6749 2.3.1: id and secret are form-encoded before Basic encoding.
        String basicId = FormBody.decode(decoded.substring(0, colon));
        if (clientId != null && !clientId.equals(basicId)) {
          refuse(ctx, OAuthError.INVALID_REQUEST, "client_id differs from the Basic one", false);
          return null;
        }
        clientId = basicId;
        secret = FormBody.decode(decoded.substring(colon + 1));
        basic = true;
      } catch (IllegalArgumentException | FormBody.MalformedFormException e) {
        refuse(ctx, OAuthError.INVALID_CLIENT, "malformed Basic credentials", true);
        return null;
      }
    }
    return new PresentedCredentials(clientId, secret, basic, mtlsThumbprint(ctx));
  }
}
