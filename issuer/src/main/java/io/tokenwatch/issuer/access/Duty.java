package io.tokenwatch.issuer.access;

/**
 * What a person may do with access requests besides asking: their roles, as far as these rules
 * care.
 */
public enum Duty {
  /** May approve or refuse other people's requests. */
  APPROVER,
  /** May review approved access they had no part in. */
  AUDITOR
}
