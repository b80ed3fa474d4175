package io.tokenwatch.issuer.access;

/** Where an access request stands. */
public enum AccessStatus {
  /** Waiting for approvals. */
  PENDING,
  /** Approved by enough distinct people; a scope request's exception is in force until its end. */
  APPROVED,
  /** An approver refused it; it takes no more decisions. */
  REFUSED,
  /** The requester withdrew it; it takes no more decisions. */
  CANCELLED,
  /** Its exception ran out; it takes no more decisions. */
  EXPIRED
}
