package io.tokenwatch.issuer.policy;

/** Proof-of-possession a token is bound to (its {@code cnf} claim). */
public enum Binding {
  /** A bearer token. */
  NONE,
  /** Bound to a DPoP key (RFC 9449, {@code cnf.jkt}). */
  DPOP,
  /** Bound to a client certificate (RFC 8705, {@code cnf.x5t#S256}). */
  MTLS
}
