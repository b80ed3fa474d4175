/**
 * Stream management (OpenID Shared Signals Framework 1.0, sections 7 and 8), free of HTTP and
 * Kafka: requests, already parsed into plain JSON values, are checked and turned into {@link
 * io.tokenwatch.signals.SignalStream}s and changes of them, under the ownership rule (a receiver
 * sees and changes only its own streams) and the configured limits.
 */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.signals.stream;
