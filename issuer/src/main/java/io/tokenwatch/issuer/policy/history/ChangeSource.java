package io.tokenwatch.issuer.policy.history;

/** How a policy version came into force. */
public enum ChangeSource {
  /** An issuer started with a document not yet in the history. */
  STARTUP,
  /** The policy file was edited and reloaded. */
  FILE_RELOAD,
  /** A change that needed approval came into force once approved. */
  APPROVED_CHANGE,
  /** An earlier version's document was restored. */
  ROLLBACK
}
