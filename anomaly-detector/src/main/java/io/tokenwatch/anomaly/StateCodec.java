package io.tokenwatch.anomaly;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The binary form of the state read and written on every use: a {@link TokenWatch} and a {@link
 * UseTally}. Written by hand because these values are read and rewritten once per event and a
 * general-purpose format (JSON, Avro reflection) cost several times more per use than the rules
 * themselves; the layout is internal to the detector's changelogs and starts with a format byte, so
 * a later release can tell its versions apart (and the JSON of earlier releases, which starts with
 * {@code '{'}).
 */
public final class StateCodec {

  /** The first byte of every value this codec writes. */
  public static final byte FORMAT = 1;

  private StateCodec() {}

  /** Whether {@code bytes} were written by this codec (rather than as JSON). */
  public static boolean isBinary(byte[] bytes) {
    return bytes.length > 0 && bytes[0] == FORMAT;
  }

  /** {@code watch} as bytes. */
  public static byte[] encode(TokenWatch watch) {
    return write(
        out -> {
          string(out, watch.subject);
          string(out, watch.clientId);
          string(out, watch.grantId);
          string(out, watch.binding);
          strings(out, watch.scopes);
          out.writeLong(watch.expiresAt);
          out.writeInt(watch.maxUses == null ? -1 : watch.maxUses);
          string(out, watch.issueEventId);
          out.writeLong(watch.revokedAt);
          string(out, watch.revocationEventId);
          recent(out, watch.insufficientScope);
          recent(out, watch.expired);
          recent(out, watch.replays);
          sightings(out, watch.sources);
          sightings(out, watch.bindings);
          out.writeLong(watch.allowedUses);
          out.writeInt(watch.allowedByValidator.size());
          for (Map.Entry<String, Long> e : watch.allowedByValidator.entrySet()) {
            string(out, e.getKey());
            out.writeLong(e.getValue());
          }
          recent(out, watch.overshoot);
          out.writeLong(watch.lastEventAt);
        });
  }

  /** The watch {@link #encode} wrote. */
  public static TokenWatch decodeTokenWatch(byte[] bytes) {
    return read(
        bytes,
        in -> {
          TokenWatch watch = new TokenWatch();
          watch.subject = string(in);
          watch.clientId = string(in);
          watch.grantId = string(in);
          watch.binding = string(in);
          watch.scopes = strings(in);
          watch.expiresAt = in.readLong();
          int maxUses = in.readInt();
          watch.maxUses = maxUses < 0 ? null : maxUses;
          watch.issueEventId = string(in);
          watch.revokedAt = in.readLong();
          watch.revocationEventId = string(in);
          watch.insufficientScope = recent(in);
          watch.expired = recent(in);
          watch.replays = recent(in);
          watch.sources = sightings(in);
          watch.bindings = sightings(in);
          watch.allowedUses = in.readLong();
          int validators = in.readInt();
          Map<String, Long> byValidator = new TreeMap<>();
          for (int i = 0; i < validators; i++) {
            byValidator.put(text(in), in.readLong());
          }
          watch.allowedByValidator = byValidator;
          watch.overshoot = recent(in);
          watch.lastEventAt = in.readLong();
          return watch;
        });
  }

  /** {@code tally} as bytes. */
  public static byte[] encode(UseTally tally) {
    return write(
        out -> {
          out.writeLong(tally.bucket);
          out.writeLong(tally.firstAt);
          out.writeLong(tally.lastAt);
          out.writeInt(tally.count);
          string(out, tally.lastEventId);
          strings(out, tally.eventIds);
        });
  }

  /** The tally {@link #encode(UseTally)} wrote. */
  public static UseTally decodeUseTally(byte[] bytes) {
    return read(
        bytes,
        in -> {
          UseTally tally = new UseTally();
          tally.bucket = in.readLong();
          tally.firstAt = in.readLong();
          tally.lastAt = in.readLong();
          tally.count = in.readInt();
          tally.lastEventId = text(in);
          tally.eventIds = strings(in);
          return tally;
        });
  }

  private interface Writer {
    void write(DataOutputStream out) throws IOException;
  }

  private interface Reader<T> {
    T read(DataInputStream in) throws IOException;
  }

  private static byte[] write(Writer writer) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(FORMAT);
      writer.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static <T> T read(byte[] bytes, Reader<T> reader) {
    if (!isBinary(bytes)) {
      throw new IllegalArgumentException("not a state value of format " + FORMAT);
    }
    try (DataInputStream in =
        new DataInputStream(new ByteArrayInputStream(bytes, 1, bytes.length - 1))) {
      return reader.read(in);
    } catch (IOException e) {
      throw new IllegalArgumentException("truncated or corrupt state value", e);
    }
  }

  private static void string(DataOutputStream out, @Nullable String value) throws IOException {
    if (value == null) {
      out.writeInt(-1);
      return;
    }
    byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
    out.writeInt(utf8.length);
    out.write(utf8);
  }

  private static @Nullable String string(DataInputStream in) throws IOException {
    int length = in.readInt();
    if (length < 0) {
      return null;
    }
    if (length > in.available()) {
      throw new IOException("a text longer than the value");
    }
    byte[] utf8 = new byte[length];
    in.readFully(utf8);
    return new String(utf8, StandardCharsets.UTF_8);
  }

  private static String text(DataInputStream in) throws IOException {
    String value = string(in);
    if (value == null) {
      throw new IOException("missing text");
    }
    return value;
  }

  private static void strings(DataOutputStream out, List<String> values) throws IOException {
    out.writeInt(values.size());
    for (String value : values) {
      string(out, value);
    }
  }

  private static List<String> strings(DataInputStream in) throws IOException {
    int n = in.readInt();
    List<String> values = new ArrayList<>(Math.min(n, 64));
    for (int i = 0; i < n; i++) {
      values.add(text(in));
    }
    return values;
  }

  private static void recent(DataOutputStream out, Recent recent) throws IOException {
    out.writeInt(recent.ids.size());
    for (int i = 0; i < recent.ids.size(); i++) {
      string(out, recent.ids.get(i));
      out.writeLong(recent.times.get(i));
    }
  }

  private static Recent recent(DataInputStream in) throws IOException {
    Recent recent = new Recent();
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      recent.ids.add(text(in));
      recent.times.add(in.readLong());
    }
    return recent;
  }

  private static void sightings(DataOutputStream out, Map<String, Sighting> sightings)
      throws IOException {
    out.writeInt(sightings.size());
    for (Map.Entry<String, Sighting> e : sightings.entrySet()) {
      Sighting s = e.getValue();
      string(out, e.getKey());
      out.writeLong(s.firstAt);
      out.writeLong(s.lastAt);
      string(out, s.firstEventId);
      string(out, s.lastEventId);
    }
  }

  private static Map<String, Sighting> sightings(DataInputStream in) throws IOException {
    int n = in.readInt();
    Map<String, Sighting> sightings = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      String key = text(in);
      Sighting s = new Sighting();
      s.firstAt = in.readLong();
      s.lastAt = in.readLong();
      s.firstEventId = text(in);
      s.lastEventId = text(in);
      sightings.put(key, s);
    }
    return sightings;
  }
}
