package io.tokenwatch.schemas.serde;

/** The Confluent wire format's framing: a magic byte, then a 4-byte big-endian schema id. */
final class WireFormat {
  static final byte MAGIC_BYTE = 0x0;
  static final int HEADER_SIZE = 5;

  private WireFormat() {}

  static String subject(String topic, boolean isKey) {
    return topic + (isKey ? "-key" : "-value");
  }

  static String describe(String topic, boolean isKey) {
    return (isKey ? "key" : "value") + " of topic '" + topic + "'";
  }
}
