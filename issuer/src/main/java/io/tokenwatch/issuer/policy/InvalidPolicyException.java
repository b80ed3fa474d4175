package io.tokenwatch.issuer.policy;

import java.util.List;

/** A policy document was refused; {@link #problems()} lists every problem found, not just one. */
public final class InvalidPolicyException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  @SuppressWarnings("serial") // an immutable List.copyOf; policies are never serialized
  private final List<String> problems;

  public InvalidPolicyException(List<String> problems) {
    super(
        "Invalid policy, "
            + problems.size()
            + " problem(s):\n - "
            + String.join("\n - ", problems));
    this.problems = List.copyOf(problems);
  }

  /** Every problem, one line each, naming where in the document it is. */
  public List<String> problems() {
    return problems;
  }
}
