/**
 * Local validation of Tokenwatch access tokens: signature, claims, channel binding, revocation and
 * use counts, with no network call per request. Entry point: {@link
 * io.tokenwatch.validator.TokenValidator}. Free of Kafka and HTTP types; the revocation feed lives
 * in {@code io.tokenwatch.validator.kafka}. The forward-auth sidecar built on it is a module of its
 * own, {@code tokenwatch-validator-sidecar}, so embedders get no HTTP server.
 */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.validator;
