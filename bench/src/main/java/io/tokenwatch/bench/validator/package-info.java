/** Benchmarks of the validator library: hot path, first-seen tokens, the revocation index. */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.bench.validator;
