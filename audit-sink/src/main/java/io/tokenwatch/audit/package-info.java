/**
 * The audit domain: the record model, its canonical encoding, the per-partition hash chain, signed
 * checkpoints, verification findings and the least-privilege computation. Free of Kafka, JDBC and
 * HTTP types.
 */
@NullMarked
package io.tokenwatch.audit;

import org.jspecify.annotations.NullMarked;
