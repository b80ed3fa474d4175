package io.tokenwatch.audit;

import static java.util.Objects.requireNonNull;

/** Something verification found wrong with the stored history. */
public sealed interface Finding {

  /** One line for a person. */
  String describe();

  /** A short kind, e.g. {@code altered}. */
  String kind();

  /** A record whose stored content no longer matches its hash. */
  record Altered(ChainKey chain, long seq, String eventId) implements Finding {
    public Altered {
      requireNonNull(chain, "chain");
      requireNonNull(eventId, "eventId");
    }

    @Override
    public String describe() {
      return "altered record at " + chain + " seq " + seq + " (event " + eventId + ")";
    }

    @Override
    public String kind() {
      return "altered";
    }
  }

  /** Records absent from a chain: a gap in the positions, or fewer than a checkpoint signed. */
  record Missing(ChainKey chain, long fromSeq, long toSeq) implements Finding {
    public Missing {
      requireNonNull(chain, "chain");
    }

    @Override
    public String describe() {
      return fromSeq == toSeq
          ? "missing record at " + chain + " seq " + fromSeq
          : "missing records at " + chain + " seq " + fromSeq + ".." + toSeq;
    }

    @Override
    public String kind() {
      return "missing";
    }
  }

  /** A record that was not part of the chain as written. */
  record Inserted(ChainKey chain, long seq, String eventId) implements Finding {
    public Inserted {
      requireNonNull(chain, "chain");
      requireNonNull(eventId, "eventId");
    }

    @Override
    public String describe() {
      return "inserted record at " + chain + " seq " + seq + " (event " + eventId + ")";
    }

    @Override
    public String kind() {
      return "inserted";
    }
  }

  /** A record stored out of its ingest (source offset) order. */
  record Reordered(ChainKey chain, long seq, String eventId, long offset, long previousOffset)
      implements Finding {
    public Reordered {
      requireNonNull(chain, "chain");
      requireNonNull(eventId, "eventId");
    }

    @Override
    public String describe() {
      return "reordered record at "
          + chain
          + " seq "
          + seq
          + " (event "
          + eventId
          + ", offset "
          + offset
          + " after offset "
          + previousOffset
          + ")";
    }

    @Override
    public String kind() {
      return "reordered";
    }
  }

  /** A checkpoint whose signature or link to the previous checkpoint does not hold. */
  record ForgedCheckpoint(long number, String why) implements Finding {
    public ForgedCheckpoint {
      requireNonNull(why, "why");
    }

    @Override
    public String describe() {
      return "forged checkpoint " + number + ": " + why;
    }

    @Override
    public String kind() {
      return "forged-checkpoint";
    }
  }

  /**
   * A validly signed checkpoint whose head differs from the recomputed chain: history up to that
   * head was rewritten (and re-hashed) after it was signed.
   */
  record CheckpointMismatch(long number, ChainKey chain, long seq) implements Finding {
    public CheckpointMismatch {
      requireNonNull(chain, "chain");
    }

    @Override
    public String describe() {
      return "checkpoint "
          + number
          + " signed a different head for "
          + chain
          + " at seq "
          + seq
          + ": records up to it were rewritten";
    }

    @Override
    public String kind() {
      return "checkpoint-mismatch";
    }
  }
}
