package io.tokenwatch.audit.store;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** The JSON lines replay prints, rendered in Java or (the same bytes) by the database. */
public final class ReplayLines {

  private static final JsonStringEncoder JSON_ENCODER = JsonStringEncoder.getInstance();

  private ReplayLines() {}

  /**
   * One replayed event as a JSON line: {@code {"type", "occurred_at", "source": {"topic",
   * "partition", "offset"}, "event_id", "event": <the event>}}. The event JSON is inserted as
   * stored, without parsing, so replay is fast.
   */
  public static String line(
      String type,
      long occurredAt,
      String topic,
      int partition,
      long offset,
      String eventId,
      String eventJson) {
    StringBuilder line = new StringBuilder(eventJson.length() + 160);
    line.append("{\"type\":");
    quote(line, type);
    line.append(",\"occurred_at\":");
    quote(line, Instant.ofEpochMilli(occurredAt).toString());
    line.append(",\"source\":{\"topic\":");
    quote(line, topic);
    line.append(",\"partition\":").append(partition);
    line.append(",\"offset\":").append(offset);
    line.append("},\"event_id\":");
    quote(line, eventId);
    line.append(",\"event\":").append(eventJson).append('}');
    return line.toString();
  }

  private static void quote(StringBuilder out, String value) {
    out.append('"');
    JSON_ENCODER.quoteAsString(value, out);
    out.append('"');
  }

  /** Rows the database renders itself: event ids without characters JSON escapes, years 1000+. */
  static final String SAFE =
      "(year(occurred_at) >= 1000 AND NOT regexp_matches(event_id, '[\\x00-\\x1f\"\\\\]'))";

  /** Milliseconds within the second of occurred_at. */
  private static final String MILLIS = "(((epoch_ms(occurred_at) % 1000) + 1000) % 1000)";

  /**
   * The replay line; event types (Avro names) and topic names (Kafka's characters) never need
   * escaping, and the time is written as {@code Instant.toString} writes milliseconds.
   */
  static final String LINE =
      "concat('{\"type\":\"', event_type, '\",\"occurred_at\":\"',"
          + " strftime(occurred_at::TIMESTAMP, '%Y-%m-%dT%H:%M:%S'),"
          + " CASE WHEN "
          + MILLIS
          + " = 0 THEN '' ELSE '.' || lpad("
          + MILLIS
          + "::VARCHAR, 3, '0') END,"
          + " 'Z\",\"source\":{\"topic\":\"', source_topic, '\",\"partition\":',"
          + " source_partition, ',\"offset\":', source_offset, '},\"event_id\":\"', event_id,"
          + " '\",\"event\":', payload, '}')";

  /** The fields of a row Java renders: {@code !} then netstrings. */
  static final String FIELDS =
      "concat('!', strlen(event_type), ':', event_type, ',', strlen(epoch_ms(occurred_at)::VARCHAR),"
          + " ':', epoch_ms(occurred_at), ',', strlen(source_topic), ':', source_topic, ',',"
          + " strlen(source_partition::VARCHAR), ':', source_partition, ',',"
          + " strlen(source_offset::VARCHAR), ':', source_offset, ',', strlen(event_id), ':',"
          + " event_id, ',', strlen(payload), ':', payload, ',')";

  /** Renders a row the database sent as its fields ({@link #FIELDS}). */
  static byte[] render(byte[] fields) {
    String[] values = new String[7];
    int pos = 1;
    for (int i = 0; i < values.length; i++) {
      int colon = pos;
      while (fields[colon] != ':') {
        colon++;
      }
      int length =
          Integer.parseInt(new String(fields, pos, colon - pos, StandardCharsets.US_ASCII));
      values[i] = new String(fields, colon + 1, length, StandardCharsets.UTF_8);
      pos = colon + 1 + length + 1;
    }
    return line(
            values[0],
            Long.parseLong(values[1]),
            values[2],
            Integer.parseInt(values[3]),
            Long.parseLong(values[4]),
            values[5],
            values[6])
        .getBytes(StandardCharsets.UTF_8);
  }
}
