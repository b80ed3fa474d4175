package io.tokenwatch.schemas.streams;

/** Told about every dead letter, e.g. to count them. Must be thread-safe. */
@FunctionalInterface
public interface DeadLetterListener {

  /** Listens to nothing. */
  DeadLetterListener NONE = (sourceTopic, errorClass) -> {};

  /**
   * A record of {@code sourceTopic} went to the dead-letter topic because of {@code errorClass}.
   */
  void deadLetter(String sourceTopic, String errorClass);
}
