package io.tokenwatch.validator;

/**
 * Why a token was denied. The values line up one to one with the Avro enum {@code UseDenyReason} of
 * {@code TokenUsed} events (which has an extra {@code UNKNOWN} for readers built earlier).
 */
public enum DenyReason {
  /** A live revocation covers the token (by id, grant, lineage, subject, client or audience). */
  REVOKED,
  /** Past {@code exp}, beyond the allowed clock skew. */
  EXPIRED,
  /** Before {@code nbf} (or issued in the future), beyond the allowed clock skew. */
  NOT_YET_VALID,
  /** The signature does not verify with the key named by {@code kid}. */
  BAD_SIGNATURE,
  /** No key of the issuer's key set has the token's {@code kid}, even after a refresh. */
  UNKNOWN_KEY,
  /** Signed with an algorithm outside the allow-list ({@code none} and HMAC never are in it). */
  ALGORITHM_NOT_ALLOWED,
  /** The header's {@code typ} is not {@code at+jwt}. */
  WRONG_TYPE,
  /** {@code iss} is not the trusted issuer. */
  WRONG_ISSUER,
  /** {@code aud} does not name this resource server. */
  WRONG_AUDIENCE,
  /** The token lacks a scope the request requires. */
  INSUFFICIENT_SCOPE,
  /** The presenter proved possession of a different key or certificate than {@code cnf} names. */
  BINDING_MISMATCH,
  /** A bound token came without its DPoP proof or client certificate. */
  MISSING_PROOF,
  /** The DPoP proof is malformed, badly signed or does not match the request. */
  INVALID_PROOF,
  /** The DPoP proof was already used. */
  PROOF_REPLAYED,
  /** This validator has seen the token used more often than its {@code max_uses}. */
  MAX_USES_EXCEEDED,
  /** The revocation feed is not ready or older than its staleness budget. */
  FEED_STALE,
  /** The token cannot be parsed, or lacks a required claim. */
  MALFORMED,
  /** The token is larger than the configured limit. */
  TOO_LARGE
}
