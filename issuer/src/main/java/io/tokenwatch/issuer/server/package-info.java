/** Wiring: the issuer's configuration and its start/stop entry point. */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.issuer.server;
