/** What the streams benchmarks share: the consumer group's lag, paced load and the rate ramp. */
@NullMarked
package io.tokenwatch.bench.streams;

import org.jspecify.annotations.NullMarked;
