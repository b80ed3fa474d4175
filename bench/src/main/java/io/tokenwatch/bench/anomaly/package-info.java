/**
 * End-to-end harnesses of the anomaly detector: throughput under exactly-once, detection latency,
 * and precision and recall over a labelled realistic week ({@code DetectorPrecision}).
 */
@NullMarked
package io.tokenwatch.bench.anomaly;

import org.jspecify.annotations.NullMarked;
