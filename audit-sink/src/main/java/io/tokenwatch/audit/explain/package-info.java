/**
 * Plain-language answers to "why": who was granted what, when, under which policy version, rule,
 * consent and approvals, and what happened to it since, built from audit records alone. It reads
 * the stored event JSON, so it sees Jackson but no store, Kafka or HTTP type.
 */
@NullMarked
package io.tokenwatch.audit.explain;

import org.jspecify.annotations.NullMarked;
