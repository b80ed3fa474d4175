package io.tokenwatch.signals.stream;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.signals.SignalStream;

/** The outcome of one stream management request. */
public sealed interface StreamResult {

  /** Why a request was refused. */
  enum Reason {
    /** The request is malformed, has wrong types or unknown members, or asks for the impossible. */
    INVALID,
    /** No stream with that id belongs to the caller (whether or not another receiver has one). */
    NOT_FOUND,
    /** The caller already has as many streams as allowed. */
    TOO_MANY_STREAMS,
    /** The stream already holds as many subjects as allowed. */
    TOO_MANY_SUBJECTS,
    /** A verification was asked for sooner than the stream's minimum verification interval. */
    TOO_FREQUENT
  }

  /** Done; {@code stream} is the stream as it now is (for a deletion, as it was). */
  record Done(SignalStream stream) implements StreamResult {
    public Done {
      requireNonNull(stream, "stream");
    }
  }

  /**
   * Refused, changing nothing.
   *
   * @param detail what is wrong, written here; never quotes the request
   */
  record Refused(Reason reason, String detail) implements StreamResult {
    public Refused {
      requireNonNull(reason, "reason");
      requireNonNull(detail, "detail");
    }
  }
}
