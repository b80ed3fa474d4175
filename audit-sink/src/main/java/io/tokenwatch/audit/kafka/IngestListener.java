package io.tokenwatch.audit.kafka;

import io.tokenwatch.audit.Checkpoint;

/** What the ingest reports, for metrics and publishing. Called on the ingest thread. */
public interface IngestListener {

  /** Does nothing. */
  IngestListener NONE = new IngestListener() {};

  /** A batch was committed to the store. */
  default void batchStored(int stored, int duplicates, int deadLettered, long nanos) {}

  /** A checkpoint was signed and stored. */
  default void checkpointed(Checkpoint checkpoint) {}

  /** Storing a batch failed; it will be read again from the stored positions. */
  default void batchFailed(Exception error) {}
}
