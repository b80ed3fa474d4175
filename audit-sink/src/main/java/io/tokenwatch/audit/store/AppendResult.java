package io.tokenwatch.audit.store;

/**
 * The outcome of one batched append.
 *
 * @param stored events stored
 * @param duplicates events skipped because their event id was already stored (or repeated in the
 *     batch)
 */
public record AppendResult(int stored, int duplicates) {}
