package io.tokenwatch.audit;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.Optional;

/**
 * What a verifier needs to place a record, read back from its {@link CanonicalEncoding canonical
 * bytes}: its position, event id, and source topic, partition and offset.
 *
 * @param seq the position in its chain
 * @param eventId the event id
 * @param chain the source topic and partition
 * @param offset the source offset
 */
public record CanonicalRecord(long seq, String eventId, ChainKey chain, long offset) {

  private static final int SEQ = 0;
  private static final int EVENT_ID = 1;
  private static final int TOPIC = 17;
  private static final int PARTITION = 18;
  private static final int OFFSET = 19;
  private static final int FIELDS = 21;

  /**
   * Reads the fields of the canonical bytes in {@code bytes[from, from + length)}.
   *
   * @return empty if they are not exactly one well-formed encoding with those fields present
   */
  public static Optional<CanonicalRecord> parse(byte[] bytes, int from, int length) {
    int end = from + length;
    int prefix = CanonicalEncoding.PREFIX.length();
    if (length < prefix
        || !new String(bytes, from, prefix, UTF_8).equals(CanonicalEncoding.PREFIX)) {
      return Optional.empty();
    }
    int pos = from + prefix;
    long seq = -1;
    long partition = -1;
    long offset = -1;
    String eventId = null;
    String topic = null;
    for (int field = 0; field < FIELDS; field++) {
      if (pos >= end) {
        return Optional.empty();
      }
      if (bytes[pos] == '-') {
        if (pos + 1 >= end || bytes[pos + 1] != ',') {
          return Optional.empty();
        }
        pos += 2;
        continue;
      }
      long size = 0;
      int digits = 0;
      while (pos < end && bytes[pos] != ':') {
        int digit = bytes[pos] - '0';
        if (digit < 0 || digit > 9 || ++digits > 9) {
          return Optional.empty();
        }
        size = size * 10 + digit;
        pos++;
      }
      int value = pos + 1;
      if (digits == 0 || pos >= end || value + size >= end || bytes[(int) (value + size)] != ',') {
        return Optional.empty();
      }
      int valueLength = (int) size;
      switch (field) {
        case SEQ -> seq = number(bytes, value, valueLength);
        case EVENT_ID -> eventId = new String(bytes, value, valueLength, UTF_8);
        case TOPIC -> topic = new String(bytes, value, valueLength, UTF_8);
        case PARTITION -> partition = number(bytes, value, valueLength);
        case OFFSET -> offset = number(bytes, value, valueLength);
        default -> {
          // not needed to place the record
        }
      }
      pos = value + valueLength + 1;
    }
    if (seq < 0
        || eventId == null
        || topic == null
        || partition < 0
        || partition > Integer.MAX_VALUE
        || offset == Long.MIN_VALUE) {
      return Optional.empty();
    }
    return Optional.of(
        new CanonicalRecord(seq, eventId, new ChainKey(topic, (int) partition), offset));
  }

  /** A decimal number, or {@link Long#MIN_VALUE} if it is not one. */
  private static long number(byte[] bytes, int from, int length) {
    if (length == 0 || length > 19) {
      return Long.MIN_VALUE;
    }
    boolean negative = bytes[from] == '-';
    int i = negative ? from + 1 : from;
    if (i == from + length) {
      return Long.MIN_VALUE;
    }
    long n = 0;
    for (; i < from + length; i++) {
      int digit = bytes[i] - '0';
      if (digit < 0 || digit > 9) {
        return Long.MIN_VALUE;
      }
      n = n * 10 + digit;
    }
    return negative ? -n : n;
  }
}
