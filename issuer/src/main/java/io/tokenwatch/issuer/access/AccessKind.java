package io.tokenwatch.issuer.access;

/** What an access request asks for. */
public enum AccessKind {
  /** Scopes a client's rule for an audience does not grant, for a while: a policy exception. */
  SCOPE,
  /** A policy change that widens access, identified by the new document's digest. */
  POLICY_CHANGE,
  /** Scopes to take away from a client's rule; approving records the decision. */
  NARROW
}
