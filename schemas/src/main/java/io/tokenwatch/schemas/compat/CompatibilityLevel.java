package io.tokenwatch.schemas.compat;

/**
 * Schema compatibility levels, named and defined as in the Confluent Schema Registry so that the
 * value of a registry's {@code compatibilityLevel} maps onto one of these unchanged.
 */
public enum CompatibilityLevel {
  /** Any schema is accepted. */
  NONE(false, false, false),
  /** The new schema can read data written with the latest registered schema. */
  BACKWARD(true, false, false),
  /** The new schema can read data written with every registered schema. */
  BACKWARD_TRANSITIVE(true, false, true),
  /** The latest registered schema can read data written with the new schema. */
  FORWARD(false, true, false),
  /** Every registered schema can read data written with the new schema. */
  FORWARD_TRANSITIVE(false, true, true),
  /** Both {@link #BACKWARD} and {@link #FORWARD}. */
  FULL(true, true, false),
  /** Both {@link #BACKWARD_TRANSITIVE} and {@link #FORWARD_TRANSITIVE}. */
  FULL_TRANSITIVE(true, true, true);

  private final boolean backward;
  private final boolean forward;
  private final boolean transitive;

  CompatibilityLevel(boolean backward, boolean forward, boolean transitive) {
    this.backward = backward;
    this.forward = forward;
    this.transitive = transitive;
  }

  /** Whether the new schema must read what earlier schemas wrote. */
  public boolean backward() {
    return backward;
  }

  /** Whether earlier schemas must read what the new schema writes. */
  public boolean forward() {
    return forward;
  }

  /** Whether every earlier version is checked, not only the latest. */
  public boolean transitive() {
    return transitive;
  }
}
