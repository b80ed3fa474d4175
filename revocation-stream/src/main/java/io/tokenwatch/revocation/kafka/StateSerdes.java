package io.tokenwatch.revocation.kafka;

import io.tokenwatch.revocation.LiveRevocation;
import io.tokenwatch.revocation.LiveToken;
import io.tokenwatch.revocation.Reason;
import io.tokenwatch.revocation.Selector;
import io.tokenwatch.revocation.UsageCount;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.jspecify.annotations.Nullable;

/**
 * Serdes of the state stores' values. A compact binary layout behind a version byte: state is
 * internal, written and read by this application only, so it needs no registry; the version byte
 * lets a later release read what an earlier one wrote in its changelogs.
 */
public final class StateSerdes {

  private static final byte VERSION = 1;

  private StateSerdes() {}

  /** Values of {@code token-registry}. */
  public static Serde<LiveToken> liveToken() {
    return Serdes.serdeFrom(
        (topic, token) -> token == null ? null : write(out -> writeToken(out, token)),
        (topic, bytes) -> bytes == null ? null : read(bytes, StateSerdes::readToken));
  }

  /** Values of {@code usage-counts}. */
  public static Serde<UsageCount> usageCount() {
    return Serdes.serdeFrom(
        (topic, count) ->
            count == null
                ? null
                : write(
                    out -> {
                      out.writeLong(count.count());
                      out.writeLong(count.forgetAt().toEpochMilli());
                      out.writeBoolean(count.maxUsesRevoked());
                    }),
        (topic, bytes) ->
            bytes == null
                ? null
                : read(
                    bytes,
                    in ->
                        new UsageCount(
                            in.readLong(), Instant.ofEpochMilli(in.readLong()), in.readBoolean())));
  }

  /** Values of {@code live-revocations} and {@code live-token-revocations}. */
  public static Serde<LiveRevocation> liveRevocation() {
    return Serdes.serdeFrom(
        (topic, revocation) ->
            revocation == null ? null : write(out -> writeRevocation(out, revocation)),
        (topic, bytes) -> bytes == null ? null : read(bytes, StateSerdes::readRevocation));
  }

  /**
   * A key of {@code token-expiry-index}: the instant as 8 big-endian bytes, then the token id, so
   * the store's byte order is time order and a scan stops at the first entry still in the future.
   */
  static Bytes expiryKey(Instant at, String tokenId) {
    byte[] id = tokenId.getBytes(StandardCharsets.UTF_8);
    return Bytes.wrap(
        ByteBuffer.allocate(Long.BYTES + id.length)
            .putLong(Math.max(0, at.toEpochMilli()))
            .put(id)
            .array());
  }

  static Instant expiryKeyInstant(Bytes key) {
    return Instant.ofEpochMilli(ByteBuffer.wrap(key.get()).getLong());
  }

  static String expiryKeyTokenId(Bytes key) {
    byte[] bytes = key.get();
    return new String(bytes, Long.BYTES, bytes.length - Long.BYTES, StandardCharsets.UTF_8);
  }

  private static void writeToken(DataOutputStream out, LiveToken token) throws IOException {
    out.writeUTF(token.id());
    out.writeUTF(token.subject());
    out.writeUTF(token.clientId());
    out.writeUTF(token.grantId());
    out.writeUTF(token.grantType());
    writeNullable(out, token.parentId());
    writeList(out, token.lineage());
    out.writeUTF(token.audience());
    out.writeLong(token.issuedAt().toEpochMilli());
    out.writeLong(token.expiresAt().toEpochMilli());
    out.writeInt(token.maxUses() == null ? -1 : token.maxUses());
    writeList(out, token.scopes());
  }

  private static LiveToken readToken(DataInputStream in) throws IOException {
    String id = in.readUTF();
    String subject = in.readUTF();
    String client = in.readUTF();
    String grant = in.readUTF();
    String grantType = in.readUTF();
    String parent = readNullable(in);
    List<String> lineage = readList(in);
    String audience = in.readUTF();
    Instant issuedAt = Instant.ofEpochMilli(in.readLong());
    Instant expiresAt = Instant.ofEpochMilli(in.readLong());
    int maxUses = in.readInt();
    List<String> scopes = readList(in);
    return new LiveToken(
        id,
        subject,
        client,
        grant,
        grantType,
        parent,
        lineage,
        audience,
        issuedAt,
        expiresAt,
        maxUses < 0 ? null : maxUses,
        scopes);
  }

  private static void writeRevocation(DataOutputStream out, LiveRevocation revocation)
      throws IOException {
    out.writeUTF(revocation.selector().key());
    out.writeLong(
        revocation.issuedBefore() == null ? -1 : revocation.issuedBefore().toEpochMilli());
    out.writeLong(revocation.forgetAfter().toEpochMilli());
    out.writeUTF(revocation.reason().name());
    out.writeUTF(revocation.requestedBy());
    writeNullable(out, revocation.sourceEventId());
    out.writeLong(revocation.occurredAt().toEpochMilli());
    writeNullable(out, revocation.detail());
    out.writeLong(revocation.useCount() == null ? -1 : revocation.useCount());
  }

  private static LiveRevocation readRevocation(DataInputStream in) throws IOException {
    String key = in.readUTF();
    Selector selector =
        Selector.parse(key)
            .orElseThrow(() -> new SerializationException("bad selector in state: " + key));
    long watermark = in.readLong();
    Instant forget = Instant.ofEpochMilli(in.readLong());
    Reason reason = Reason.valueOf(in.readUTF());
    String requestedBy = in.readUTF();
    String source = readNullable(in);
    Instant occurred = Instant.ofEpochMilli(in.readLong());
    String detail = readNullable(in);
    long useCount = in.readLong();
    return new LiveRevocation(
        selector,
        watermark < 0 ? null : Instant.ofEpochMilli(watermark),
        forget,
        reason,
        requestedBy,
        source,
        occurred,
        detail,
        useCount < 0 ? null : useCount);
  }

  private static void writeNullable(DataOutputStream out, @Nullable String value)
      throws IOException {
    out.writeBoolean(value != null);
    if (value != null) {
      out.writeUTF(value);
    }
  }

  private static @Nullable String readNullable(DataInputStream in) throws IOException {
    return in.readBoolean() ? in.readUTF() : null;
  }

  private static void writeList(DataOutputStream out, List<String> values) throws IOException {
    out.writeInt(values.size());
    for (String value : values) {
      out.writeUTF(value);
    }
  }

  private static List<String> readList(DataInputStream in) throws IOException {
    int size = in.readInt();
    List<String> values = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      values.add(in.readUTF());
    }
    return values;
  }

  @FunctionalInterface
  private interface Writer {
    void write(DataOutputStream out) throws IOException;
  }

  @FunctionalInterface
  private interface Reader<T> {
    T read(DataInputStream in) throws IOException;
  }

  private static byte[] write(Writer writer) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      writer.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static <T> T read(byte[] bytes, Reader<T> reader) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      byte version = in.readByte();
      if (version != VERSION) {
        throw new SerializationException("unknown state version " + version);
      }
      return reader.read(in);
    } catch (IOException | RuntimeException e) {
      if (e instanceof SerializationException se) {
        throw se;
      }
      throw new SerializationException("corrupt state record", e);
    }
  }
}
