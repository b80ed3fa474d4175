/** Benchmark harness of the audit sink's store: ingest, query, verify and replay. */
@NullMarked
package io.tokenwatch.bench.audit;

import org.jspecify.annotations.NullMarked;
