/** Benchmark harness of the console's history pages over a large audit store. */
@NullMarked
package io.tokenwatch.bench.console;

import org.jspecify.annotations.NullMarked;
