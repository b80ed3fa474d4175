package io.tokenwatch.schemas.topic;

import java.util.List;

/**
 * A cluster holds a catalogue topic with settings Tokenwatch cannot work with (a compacted feed
 * that deletes, an audit topic that compacts). Fatal at start-up: an operator must decide.
 */
public final class TopicConflictException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  public TopicConflictException(List<String> problems) {
    super(
        "existing topics conflict with the topic catalogue:\n  - "
            + String.join("\n  - ", problems));
    this.problems = List.copyOf(problems);
  }

  /** Every conflict found, one per line. */
  public List<String> problems() {
    return problems;
  }
}
