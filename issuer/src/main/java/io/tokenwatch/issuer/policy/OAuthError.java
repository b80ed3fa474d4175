package io.tokenwatch.issuer.policy;

/**
 * OAuth error codes the issuer answers with (RFC 6749 section 5.2, RFC 7009, RFC 9449, and RFC 6750
 * section 3.1 for the admin API's bearer tokens).
 */
public enum OAuthError {
  INVALID_REQUEST("invalid_request", 400),
  INVALID_CLIENT("invalid_client", 401),
  INVALID_GRANT("invalid_grant", 400),
  UNAUTHORIZED_CLIENT("unauthorized_client", 400),
  UNSUPPORTED_GRANT_TYPE("unsupported_grant_type", 400),
  UNSUPPORTED_TOKEN_TYPE("unsupported_token_type", 400),
  UNSUPPORTED_RESPONSE_TYPE("unsupported_response_type", 400),
  INVALID_SCOPE("invalid_scope", 400),
  INVALID_TARGET("invalid_target", 400),
  INVALID_DPOP_PROOF("invalid_dpop_proof", 400),
  ACCESS_DENIED("access_denied", 403),
  INVALID_TOKEN("invalid_token", 401),
  INSUFFICIENT_SCOPE("insufficient_scope", 403),
  TEMPORARILY_UNAVAILABLE("temporarily_unavailable", 503);

  private final String code;
  private final int status;

  OAuthError(String code, int status) {
    this.code = code;
    this.status = status;
  }

  /** The {@code error} value of the response body. */
  public String code() {
    return code;
  }

  /** The HTTP status to answer with. */
  public int status() {
    return status;
  }
}
