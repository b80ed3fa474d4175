/**
 * The DuckDB audit store: exactly-once appends with offsets in the same transaction, queries,
 * replay reads, export and verification reads.
 */
@NullMarked
package io.tokenwatch.audit.store;

import org.jspecify.annotations.NullMarked;
