/**
 * The Shared Signals HTTP adapters: transmitter metadata, the stream management API and the
 * authentication of receivers' bearer tokens. Errors are RFC 7807 problem bodies; refusals of a
 * token also carry an RFC 6750 {@code WWW-Authenticate} challenge.
 */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.signals.http;
