/**
 * The Shared Signals domain: CAEP and RISC event types, RFC 9493 subject identifiers, SSF stream
 * configurations, and the rules that turn a revocation into Security Event Tokens and a received
 * SET into a revocation request. Free of Kafka and HTTP types; the adapters live in the {@code
 * kafka}, {@code http} and {@code app} packages beside it.
 */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.signals;
