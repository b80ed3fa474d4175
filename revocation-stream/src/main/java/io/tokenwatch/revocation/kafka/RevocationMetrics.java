package io.tokenwatch.revocation.kafka;

import io.tokenwatch.schemas.streams.DeadLetterListener;

/**
 * What the topology reports while it runs. Implementations must be thread-safe: every stream thread
 * calls them.
 */
public interface RevocationMetrics extends DeadLetterListener {

  /** Reports nothing. */
  RevocationMetrics NONE =
      new RevocationMetrics() {
        @Override
        public void deadLetter(String sourceTopic, String errorClass) {}

        @Override
        public void revocationEmitted(String reason) {}

        @Override
        public void tombstoneWritten() {}
      };

  /**
   * A record of {@code sourceTopic} went to the dead-letter topic because of {@code errorClass}.
   */
  @Override
  void deadLetter(String sourceTopic, String errorClass);

  /** A revocation record was written to the feed, for {@code reason}. */
  void revocationEmitted(String reason);

  /** A tombstone removed an expired revocation from the feed. */
  void tombstoneWritten();
}
