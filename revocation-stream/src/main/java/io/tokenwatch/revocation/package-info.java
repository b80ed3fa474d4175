/**
 * Revocation rules, free of Kafka and HTTP: live tokens, selectors and their matching, watermarks,
 * monotonic merging and when a revocation may be forgotten.
 */
@NullMarked
package io.tokenwatch.revocation;

import org.jspecify.annotations.NullMarked;
