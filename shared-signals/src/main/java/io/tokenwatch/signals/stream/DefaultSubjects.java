package io.tokenwatch.signals.stream;

/** Which subjects a new stream carries events for before the receiver adds any (SSF 7.1). */
public enum DefaultSubjects {
  /** Every subject, unless the receiver narrows the stream by adding subjects. */
  ALL,
  /** No subject, until the receiver adds subjects. */
  NONE
}
