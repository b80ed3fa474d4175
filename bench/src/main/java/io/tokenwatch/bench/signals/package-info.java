/**
 * How fast a revocation reaches receivers outside Kafka through Shared Signals: push receivers (RFC
 * 8935) and a polling receiver (RFC 8936), timed from the revocation's acceptance.
 */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.bench.signals;
