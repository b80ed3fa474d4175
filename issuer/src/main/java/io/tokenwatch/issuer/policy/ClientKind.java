package io.tokenwatch.issuer.policy;

/** Whether a client can keep a credential. */
public enum ClientKind {
  /** A confidential client (service, agent) that authenticates with a secret or certificate. */
  MACHINE,
  /** A public client (native or browser app) that has no credential of its own. */
  PUBLIC
}
