package io.tokenwatch.validator.kafka;

import org.jspecify.annotations.Nullable;

/**
 * What a validator uses of a {@code Revocation} value: the selector's watermark and the record's
 * forget time. The selector's kind and value come from the record's key.
 *
 * @param issuedBeforeMillis {@code selector.issued_before} in epoch millis, or {@code null} when
 *     the revocation has no watermark
 * @param forgetAfterMillis {@code forget_after} in epoch millis
 */
record RevocationFields(@Nullable Long issuedBeforeMillis, long forgetAfterMillis) {}
