package io.tokenwatch.signals;

/**
 * Where the transmitter hands an event for one stream: it is signed as a SET for that stream and
 * queued on Kafka, from where push or poll delivery takes it. Thread-safe.
 */
public interface EventOutbox {

  /**
   * Signs {@code event} for {@code stream} and queues it; returns once the SET is durable.
   *
   * @throws IllegalStateException when the SET could not be made durable
   */
  void send(SignalStream stream, SecurityEvent event);
}
