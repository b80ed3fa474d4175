package io.tokenwatch.signals;

/** A stream's status (SSF 8.1.2): whether the transmitter sends, holds or drops its events. */
public enum StreamStatus {
  /** Events are transmitted. */
  ENABLED,
  /** Events are held (kept on Kafka) and transmitted once the stream is enabled again. */
  PAUSED,
  /**
   * Events are not transmitted and not held. Also the status of a stream whose receiver could not
   * be reached for longer than pending SETs are kept: {@link SignalStream#statusReason} says so.
   */
  DISABLED;

  /** The lower-case name used on the wire. */
  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
