/**
 * The Shared Signals HTTP adapters: transmitter metadata, the stream management API, the poll
 * endpoint, the receiver's push endpoint, and the authentication of receivers' bearer tokens.
 * Errors are RFC 7807 problem bodies, or the error form the RFC of an endpoint prescribes (RFC 8935
 * and 8936 {@code err}/{@code description}); refusals of a token also carry an RFC 6750 {@code
 * WWW-Authenticate} challenge.
 */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.signals.http;
