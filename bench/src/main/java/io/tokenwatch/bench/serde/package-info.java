/** Benchmarks of the Confluent wire-format serde. */
@NullMarked
package io.tokenwatch.bench.serde;

import org.jspecify.annotations.NullMarked;
