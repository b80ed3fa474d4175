package io.tokenwatch.anomaly.scenarios;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** An attack scenario: its events (with any warm-up it needs) and the alerts it must raise. */
public record Attack(String name, List<Input> inputs, List<Expected> expected) {
  public Attack {
    requireNonNull(name, "name");
    inputs = List.copyOf(inputs);
    expected = List.copyOf(expected);
  }
}
