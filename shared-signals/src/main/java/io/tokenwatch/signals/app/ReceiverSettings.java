package io.tokenwatch.signals.app;

import org.apache.kafka.common.config.ConfigDef;

/** The receiver of an upstream transmitter: its issuer, keys, audience and how SETs arrive. */
final class ReceiverSettings {

  private ReceiverSettings() {}

  /** Declares this part's keys. */
  static ConfigDef define(ConfigDef def) {
    return def;
  }
}
