package io.tokenwatch.audit;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The canonical bytes of a stored audit record, the input of its chain hash. A third party can
 * recompute them from the table alone:
 *
 * <pre>
 * record   = version:u8(1) chain_seq:i64 event_id:str event_type:str occurred_at:i64
 *            subject:ostr client_id:ostr token_id:ostr grant_id:ostr audience:ostr
 *            grant_type:ostr scopes:list decision:ostr reason:ostr policy_id:ostr
 *            policy_version:ostr actor:ostr expires_at:olong source_topic:str
 *            source_partition:i32 source_offset:i64 json:str
 * str      = length:i32 utf8-bytes
 * ostr     = -1:i32 (null) | str
 * olong    = 0:u8 (null) | 1:u8 i64
 * list     = count:i32 str*
 * </pre>
 *
 * All integers are big-endian two's complement. Not thread-safe: one instance per thread; it reuses
 * its buffer.
 */
public final class CanonicalEncoding {

  /** The version byte that starts every encoding. */
  public static final byte VERSION = 1;

  private byte[] buffer = new byte[1024];
  private int length;

  /** The canonical bytes of {@code event} at position {@code seq} of its chain (a fresh copy). */
  public byte[] encode(AuditEvent event, long seq) {
    encodeInto(event, seq);
    return Arrays.copyOf(buffer, length);
  }

  /** Encodes into the internal buffer; see {@link #buffer()} and {@link #length()}. */
  void encodeInto(AuditEvent event, long seq) {
    length = 0;
    ensure(1);
    buffer[length++] = VERSION;
    putLong(seq);
    putString(event.eventId());
    putString(event.eventType());
    putLong(event.occurredAt());
    putNullable(event.subject());
    putNullable(event.clientId());
    putNullable(event.tokenId());
    putNullable(event.grantId());
    putNullable(event.audience());
    putNullable(event.grantType());
    List<String> scopes = event.scopes();
    putInt(scopes.size());
    for (String scope : scopes) {
      putString(scope);
    }
    putNullable(event.decision());
    putNullable(event.reason());
    putNullable(event.policyId());
    putNullable(event.policyVersion());
    putNullable(event.actor());
    Long expiresAt = event.expiresAt();
    ensure(1);
    if (expiresAt == null) {
      buffer[length++] = 0;
    } else {
      buffer[length++] = 1;
      putLong(expiresAt);
    }
    putString(event.sourceTopic());
    putInt(event.sourcePartition());
    putLong(event.sourceOffset());
    putString(event.json());
  }

  byte[] buffer() {
    return buffer;
  }

  int length() {
    return length;
  }

  private void putNullable(@Nullable String value) {
    if (value == null) {
      putInt(-1);
    } else {
      putString(value);
    }
  }

  private void putString(String value) {
    int max = value.length() * 3;
    ensure(4 + max);
    int start = length;
    length += 4;
    int n = utf8(value, buffer, length);
    if (n < 0) {
      byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
      ensure(bytes.length);
      System.arraycopy(bytes, 0, buffer, length, bytes.length);
      n = bytes.length;
    }
    length += n;
    buffer[start] = (byte) (n >>> 24);
    buffer[start + 1] = (byte) (n >>> 16);
    buffer[start + 2] = (byte) (n >>> 8);
    buffer[start + 3] = (byte) n;
  }

  /** Encodes ASCII-only strings fast; returns -1 for anything else (then the JDK encodes it). */
  private static int utf8(String value, byte[] out, int offset) {
    int n = value.length();
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      if (c >= 0x80) {
        return -1;
      }
      out[offset + i] = (byte) c;
    }
    return n;
  }

  private void putInt(int value) {
    ensure(4);
    buffer[length++] = (byte) (value >>> 24);
    buffer[length++] = (byte) (value >>> 16);
    buffer[length++] = (byte) (value >>> 8);
    buffer[length++] = (byte) value;
  }

  private void putLong(long value) {
    ensure(8);
    for (int shift = 56; shift >= 0; shift -= 8) {
      buffer[length++] = (byte) (value >>> shift);
    }
  }

  private void ensure(int extra) {
    if (length + extra > buffer.length) {
      buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + extra));
    }
  }
}
