/** Benchmarks: JMH micro-benchmarks and end-to-end harnesses. Not tests. */
@NullMarked
package io.tokenwatch.bench;

import org.jspecify.annotations.NullMarked;
