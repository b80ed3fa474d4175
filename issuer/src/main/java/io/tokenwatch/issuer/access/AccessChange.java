package io.tokenwatch.issuer.access;

/** What one change to an access request did. */
public enum AccessChange {
  REQUESTED,
  APPROVED,
  REFUSED,
  REVIEWED,
  CANCELLED,
  EXPIRED
}
