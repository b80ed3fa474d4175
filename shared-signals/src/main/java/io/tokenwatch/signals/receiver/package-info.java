/**
 * The receiver of an upstream Shared Signals transmitter: the rules a Security Event Token must
 * pass before Tokenwatch acts on it ({@link io.tokenwatch.signals.receiver.SetVerifier}), the
 * mapping of the upstream's subjects and events to revocation requests, and the service that ties
 * verification, the durable hand-off and the replay cache together ({@link
 * io.tokenwatch.signals.receiver.SignalReceiver}). Free of Kafka and HTTP types: adapters hand in
 * the raw SET bytes and a {@link io.tokenwatch.signals.receiver.SignalSink}.
 */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.signals.receiver;
