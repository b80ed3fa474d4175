/**
 * End-to-end harnesses of the anomaly detector: throughput under exactly-once, detection latency.
 */
@NullMarked
package io.tokenwatch.bench.anomaly;

import org.jspecify.annotations.NullMarked;
