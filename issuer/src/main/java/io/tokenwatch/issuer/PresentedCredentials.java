package io.tokenwatch.issuer;

import org.jspecify.annotations.Nullable;

/**
 * What a request offered to authenticate its client; assembled by the HTTP layer.
 *
 * @param clientId the client id from HTTP Basic or the {@code client_id} parameter, if any
 * @param secret the client secret, if any
 * @param basic whether the credentials came through HTTP Basic (a failure then answers with a
 *     {@code WWW-Authenticate} challenge)
 * @param mtlsThumbprint base64url SHA-256 thumbprint of the client certificate the TLS terminator
 *     verified, if any
 */
public record PresentedCredentials(
    @Nullable String clientId,
    @Nullable String secret,
    boolean basic,
    @Nullable String mtlsThumbprint) {

  /** Never prints the secret. */
  @Override
  public String toString() {
    return "PresentedCredentials[clientId="
        + clientId
        + ", secret="
        + (secret == null ? "none" : "****")
        + ", basic="
        + basic
        + ", mtls="
        + (mtlsThumbprint != null)
        + "]";
  }
}
