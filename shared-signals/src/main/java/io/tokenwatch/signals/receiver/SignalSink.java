package io.tokenwatch.signals.receiver;

/**
 * Where the receiver's results go: revocation requests and refused SETs. Both calls return only
 * once the record is durable.
 *
 * <p>Implementations are thread-safe.
 */
public interface SignalSink {

  /**
   * Writes the revocation request for {@code order} durably.
   *
   * @throws SinkUnavailableException when it could not be written; the SET must not be acknowledged
   *     then, so the transmitter sends it again
   */
  void revoke(RevocationOrder order);

  /**
   * Keeps a refused SET, byte for byte, with why it was refused.
   *
   * @param channel how it arrived, {@code push} or {@code poll}
   * @throws SinkUnavailableException when it could not be kept
   */
  void refused(byte[] set, Verdict.Refused refusal, String channel);

  /** The sink could not take a record now; the caller reports a retriable failure. */
  final class SinkUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SinkUnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
