/** Shared helpers for configuration declared with Kafka's {@code ConfigDef}. */
@NullMarked
package io.tokenwatch.schemas.config;

import org.jspecify.annotations.NullMarked;
