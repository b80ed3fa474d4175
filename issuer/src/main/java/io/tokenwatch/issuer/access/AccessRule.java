package io.tokenwatch.issuer.access;

/**
 * A rule that refused an action on an access request. Rules about who may act are {@link
 * #forbidden()} (HTTP 403); rules about the request's state are conflicts (HTTP 409); a request
 * that is not well formed is {@link #INVALID} (400) and an unknown id {@link #NOT_FOUND} (404).
 */
public enum AccessRule {
  /** The request is not well formed: unknown client, audience or scope, bad duration, ... */
  INVALID(false),
  /** No request has that id. */
  NOT_FOUND(false),
  /** Only people with the approver role approve or refuse. */
  APPROVER_ROLE_REQUIRED(true),
  /** The requester cannot approve or refuse their own request. */
  NO_SELF_APPROVAL(true),
  /** Each approval must come from a different person. */
  ONE_APPROVAL_PER_PERSON(false),
  /** Someone who approved a request cannot then refuse it. */
  APPROVER_CANNOT_REFUSE(false),
  /** Only pending requests take approvals or refusals. */
  NOT_PENDING(false),
  /** Only people with the auditor role review. */
  AUDITOR_ROLE_REQUIRED(true),
  /** Someone who approved a request cannot be the auditor who reviews it. */
  APPROVER_CANNOT_REVIEW(true),
  /** The requester cannot review their own request. */
  REQUESTER_CANNOT_REVIEW(true),
  /** Only approved requests are reviewed. */
  NOT_APPROVED(false),
  /** Each auditor reviews a request once. */
  ONE_REVIEW_PER_PERSON(false),
  /** Only the requester cancels a request. */
  ONLY_REQUESTER_CANCELS(true),
  /** Only pending or approved requests can be cancelled. */
  NOT_CANCELLABLE(false);

  private final boolean forbidden;

  AccessRule(boolean forbidden) {
    this.forbidden = forbidden;
  }

  /** Whether it refuses the person rather than the request's state. */
  public boolean forbidden() {
    return forbidden;
  }
}
