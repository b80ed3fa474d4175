/** The Shared Signals service: configuration and wiring of transmitter and receiver. */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.signals.app;
