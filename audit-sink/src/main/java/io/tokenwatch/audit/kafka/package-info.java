/** The ingest consumer: decodes every event topic into audit events and appends them in batches. */
@NullMarked
package io.tokenwatch.audit.kafka;

import org.jspecify.annotations.NullMarked;
