/**
 * How every Tokenwatch HTTP server answers a refusal: a JSON body in the format its API documents,
 * for the refusals Jetty makes before routing as much as for the application's own.
 *
 * <p>It lives in {@code schemas} because that is the one module every server module (validator,
 * issuer, revocation stream, anomaly detector, audit sink, embedded registry) depends on, and the
 * error bodies are part of the wire contract the way the event schemas are. Javalin is an optional
 * dependency of this module: only the servers use this package, and they bring Javalin themselves,
 * so a library user of the event contracts gets no web server on the class path.
 */
@NullMarked
package io.tokenwatch.schemas.http;

import org.jspecify.annotations.NullMarked;
