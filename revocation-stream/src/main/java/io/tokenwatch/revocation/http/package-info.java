/**
 * Token introspection (RFC 7662) over the streams' state stores, with health, readiness and metrics
 * endpoints.
 */
@NullMarked
package io.tokenwatch.revocation.http;

import org.jspecify.annotations.NullMarked;
