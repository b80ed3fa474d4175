/**
 * Local validation of Tokenwatch access tokens: signature, claims, channel binding, revocation and
 * use counts, with no network call per request. Entry point: {@link
 * io.tokenwatch.validator.TokenValidator}. Free of Kafka and HTTP types; the revocation feed lives
 * in {@code io.tokenwatch.validator.kafka}, the forward-auth sidecar in {@code
 * io.tokenwatch.validator.http}.
 */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.validator;
