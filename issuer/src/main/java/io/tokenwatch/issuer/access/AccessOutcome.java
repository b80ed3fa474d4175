package io.tokenwatch.issuer.access;

import static java.util.Objects.requireNonNull;

/** The outcome of an action on an access request. */
public sealed interface AccessOutcome {

  /**
   * The action was allowed and recorded.
   *
   * @param request the request's new state
   */
  record Changed(AccessRequest request) implements AccessOutcome {
    public Changed {
      requireNonNull(request, "request");
    }
  }

  /**
   * The action was refused and nothing was recorded.
   *
   * @param rule the rule that refused it
   * @param detail the rule in plain words, for the person who tried
   */
  record Refused(AccessRule rule, String detail) implements AccessOutcome {
    public Refused {
      requireNonNull(rule, "rule");
      requireNonNull(detail, "detail");
    }
  }
}
