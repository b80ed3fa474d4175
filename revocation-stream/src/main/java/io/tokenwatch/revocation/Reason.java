package io.tokenwatch.revocation;

/** Why tokens are revoked; the same symbols as the events' revocation reason. */
public enum Reason {
  ADMIN,
  CLIENT_REQUEST,
  REFRESH_TOKEN_REUSE,
  MAX_USES_EXCEEDED,
  PARENT_REVOKED,
  ANOMALY_AUTO_RESPONSE,
  COMPROMISED,
  POLICY_CHANGE,
  UNKNOWN
}
