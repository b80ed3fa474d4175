/**
 * The issuer's HTTP surface (Javalin): OAuth endpoints, JWKS, metadata, admin API, health and
 * metrics.
 */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.issuer.http;
