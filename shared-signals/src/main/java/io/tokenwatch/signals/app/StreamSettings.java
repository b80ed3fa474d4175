package io.tokenwatch.signals.app;

import org.apache.kafka.common.config.ConfigDef;

/** How streams may be created and changed: limits and which receiver endpoints are accepted. */
final class StreamSettings {

  private StreamSettings() {}

  /** Declares this part's keys. */
  static ConfigDef define(ConfigDef def) {
    return def;
  }
}
