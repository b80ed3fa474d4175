/**
 * Per-unit costs for the capacity model (docs/SCALING.md): bytes per record on the broker's disk
 * for each topic that grows with load, the revocation stream's state per token, the audit store's
 * bytes per event.
 */
@NullMarked
package io.tokenwatch.bench.capacity;

import org.jspecify.annotations.NullMarked;
