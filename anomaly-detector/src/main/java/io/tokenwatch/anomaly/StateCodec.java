package io.tokenwatch.anomaly;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
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
 * <code>'{'</code>).
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
          // Appended to the first layout, and only when there is something to say: a reader of
          // that layout stops before it, and this reader takes its absence as empty.
          if (!watch.missingScopes.isEmpty()) {
            out.writeInt(watch.missingScopes.size());
            for (Map.Entry<String, Long> e : watch.missingScopes.entrySet()) {
              string(out, e.getKey());
              out.writeLong(e.getValue());
            }
          }
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
          if (in.hasMore()) {
            int missing = in.readInt();
            Map<String, Long> scopes = new TreeMap<>();
            for (int i = 0; i < missing; i++) {
              scopes.put(text(in), in.readLong());
            }
            watch.missingScopes = scopes;
          }
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
    void write(Out out);
  }

  private interface Reader<T> {
    T read(In in);
  }

  /** A growable byte array; unsynchronized, unlike the java.io streams. */
  private static final class Out {
    private byte[] bytes = new byte[256];
    private int size;

    private void ensure(int more) {
      if (size + more > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
      }
    }

    void writeByte(int b) {
      ensure(1);
      bytes[size++] = (byte) b;
    }

    void writeInt(int v) {
      ensure(4);
      bytes[size++] = (byte) (v >>> 24);
      bytes[size++] = (byte) (v >>> 16);
      bytes[size++] = (byte) (v >>> 8);
      bytes[size++] = (byte) v;
    }

    void writeLong(long v) {
      writeInt((int) (v >>> 32));
      writeInt((int) v);
    }

    void write(byte[] b) {
      ensure(b.length);
      System.arraycopy(b, 0, bytes, size, b.length);
      size += b.length;
    }

    byte[] toByteArray() {
      return Arrays.copyOf(bytes, size);
    }
  }

  /** Reads what {@link Out} wrote; running past the end is a corrupt value. */
  private static final class In {
    private final byte[] bytes;
    private int position;

    In(byte[] bytes, int position) {
      this.bytes = bytes;
      this.position = position;
    }

    private void need(int n) {
      if (n < 0 || n > bytes.length - position) {
        throw new IllegalArgumentException("truncated or corrupt state value");
      }
    }

    int readInt() {
      need(4);
      int v =
          ((bytes[position] & 0xff) << 24)
              | ((bytes[position + 1] & 0xff) << 16)
              | ((bytes[position + 2] & 0xff) << 8)
              | (bytes[position + 3] & 0xff);
      position += 4;
      return v;
    }

    boolean hasMore() {
      return position < bytes.length;
    }

    long readLong() {
      long high = readInt();
      long low = readInt() & 0xffffffffL;
      return (high << 32) | low;
    }

    String readUtf8(int length) {
      need(length);
      String value = new String(bytes, position, length, StandardCharsets.UTF_8);
      position += length;
      return value;
    }
  }

  private static byte[] write(Writer writer) {
    Out out = new Out();
    out.writeByte(FORMAT);
    writer.write(out);
    return out.toByteArray();
  }

  private static <T> T read(byte[] bytes, Reader<T> reader) {
    if (!isBinary(bytes)) {
      throw new IllegalArgumentException("not a state value of format " + FORMAT);
    }
    return reader.read(new In(bytes, 1));
  }

  private static void string(Out out, @Nullable String value) {
    if (value == null) {
      out.writeInt(-1);
      return;
    }
    byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
    out.writeInt(utf8.length);
    out.write(utf8);
  }

  private static @Nullable String string(In in) {
    int length = in.readInt();
    return length < 0 ? null : in.readUtf8(length);
  }

  private static String text(In in) {
    String value = string(in);
    if (value == null) {
      throw new IllegalArgumentException("truncated or corrupt state value: missing text");
    }
    return value;
  }

  private static void strings(Out out, List<String> values) {
    out.writeInt(values.size());
    for (String value : values) {
      string(out, value);
    }
  }

  private static List<String> strings(In in) {
    int n = in.readInt();
    List<String> values = new ArrayList<>(Math.max(0, Math.min(n, 64)));
    for (int i = 0; i < n; i++) {
      values.add(text(in));
    }
    return values;
  }

  private static void recent(Out out, Recent recent) {
    out.writeInt(recent.ids.size());
    for (int i = 0; i < recent.ids.size(); i++) {
      string(out, recent.ids.get(i));
      out.writeLong(recent.times.get(i));
    }
  }

  private static Recent recent(In in) {
    Recent recent = new Recent();
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      recent.ids.add(text(in));
      recent.times.add(in.readLong());
    }
    return recent;
  }

  private static void sightings(Out out, Map<String, Sighting> sightings) {
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

  private static Map<String, Sighting> sightings(In in) {
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
