/** HTTP adapters of the Shared Signals transmitter and receiver. */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.signals.http;
