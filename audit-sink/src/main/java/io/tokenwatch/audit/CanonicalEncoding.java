package io.tokenwatch.audit;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * The canonical bytes of a stored audit record, the input of its chain hash. A third party can
 * recompute them from the table alone. They are UTF-8 text, a sequence of netstrings:
 *
 * <pre>
 * record = "TWA1," field*
 * field  = byte-length ":" value ","    -- byte-length in decimal, value in UTF-8
 *        | "-,"                          -- a null (absent) value
 * </pre>
 *
 * The fields, in order: chain_seq, event_id, event_type, occurred_at, subject, client_id, token_id,
 * grant_id, audience, grant_type, scope, decision, reason, policy_id, policy_version, actor,
 * expires_at, source_topic, source_partition, source_offset, payload. Numbers are written in
 * decimal ({@code -12}); times as epoch milliseconds; {@code scope} as the space-separated scope
 * string (scopes are RFC 6749 scope tokens, so this is unambiguous). For example a record starts
 * {@code TWA1,1:0,36:3f0c...,11:TokenIssued,13:1767225600000,5:alice,-,...}.
 *
 * <p>Not thread-safe: one instance per thread; it reuses its buffer.
 */
public final class CanonicalEncoding {

  /** The prefix that starts every encoding and names its version. */
  public static final String PREFIX = "TWA1,";

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
    putAscii(PREFIX);
    putNumber(seq);
    putString(event.eventId());
    putString(event.eventType());
    putNumber(event.occurredAt());
    putString(event.subject());
    putString(event.clientId());
    putString(event.tokenId());
    putString(event.grantId());
    putString(event.audience());
    putString(event.grantType());
    putString(String.join(" ", event.scopes()));
    putString(event.decision());
    putString(event.reason());
    putString(event.policyId());
    putString(event.policyVersion());
    putString(event.actor());
    Long expiresAt = event.expiresAt();
    if (expiresAt == null) {
      putAscii("-,");
    } else {
      putNumber(expiresAt);
    }
    putString(event.sourceTopic());
    putNumber(event.sourcePartition());
    putNumber(event.sourceOffset());
    putString(event.json());
  }

  byte[] buffer() {
    return buffer;
  }

  int length() {
    return length;
  }

  private void putNumber(long value) {
    String digits = Long.toString(value);
    putAscii(Integer.toString(digits.length()));
    putByte(':');
    putAscii(digits);
    putByte(',');
  }

  private void putString(@Nullable String value) {
    if (value == null) {
      putAscii("-,");
      return;
    }
    if (isAscii(value)) {
      putAscii(Integer.toString(value.length()));
      putByte(':');
      putAscii(value);
    } else {
      byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
      putAscii(Integer.toString(bytes.length));
      putByte(':');
      ensure(bytes.length);
      System.arraycopy(bytes, 0, buffer, length, bytes.length);
      length += bytes.length;
    }
    putByte(',');
  }

  private static boolean isAscii(String value) {
    for (int i = 0; i < value.length(); i++) {
      if (value.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  private void putAscii(String value) {
    int n = value.length();
    ensure(n);
    for (int i = 0; i < n; i++) {
      buffer[length++] = (byte) value.charAt(i);
    }
  }

  private void putByte(char c) {
    ensure(1);
    buffer[length++] = (byte) c;
  }

  private void ensure(int extra) {
    if (length + extra > buffer.length) {
      buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + extra));
    }
  }
}
