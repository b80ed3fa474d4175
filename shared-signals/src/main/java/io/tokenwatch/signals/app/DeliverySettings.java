package io.tokenwatch.signals.app;

import org.apache.kafka.common.config.ConfigDef;

/**
 * How SETs are delivered: push retries and backoff, how long pending SETs are kept, polling limits.
 */
final class DeliverySettings {

  private DeliverySettings() {}

  /** Declares this part's keys. */
  static ConfigDef define(ConfigDef def) {
    return def;
  }
}
