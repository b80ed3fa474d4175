/**
 * Policy history: every policy that comes into force is a numbered version with its author, a
 * readable diff and its full document; rollbacks and approved changes are versions too, so history
 * is never rewritten. Changes that widen access past the configured risk wait for an approval. Free
 * of HTTP, Kafka and Avro: the store and the approvals are interfaces.
 */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.issuer.policy.history;
