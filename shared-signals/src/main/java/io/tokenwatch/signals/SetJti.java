package io.tokenwatch.signals;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Deterministic SET ids: a name-based UUID (version 5, SHA-1, RFC 9562) of what the SET says, so
 * the issuer's fast-path copy and the feed copy of one revocation, or a redelivery after a crash,
 * carry the same {@code jti} and receivers deduplicate them.
 */
public final class SetJti {

  /** The namespace of Tokenwatch SET ids (itself a name-based UUID of the SSF URI). */
  static final UUID NAMESPACE =
      UUID.nameUUIDFromBytes(
          "https://openid.net/specs/openid-sharedsignals-framework-1_0.html"
              .getBytes(StandardCharsets.UTF_8));

  private SetJti() {}

  /**
   * The id of the SET telling stream {@code streamId} about the revocation of {@code kind}:{@code
   * value} (before {@code watermark}, or of all tokens when null) as an event of {@code type}.
   */
  public static String of(
      String streamId, String kind, String value, @Nullable Instant watermark, EventType type) {
    requireNonNull(streamId, "streamId");
    requireNonNull(kind, "kind");
    requireNonNull(value, "value");
    requireNonNull(type, "type");
    String name =
        String.join(
            "\u0000",
            streamId,
            kind,
            value,
            watermark == null ? "all" : Long.toString(watermark.toEpochMilli()),
            type.uri());
    return nameUuid(name).toString();
  }

  private static UUID nameUuid(String name) {
    try {
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      sha1.update(
          ByteBuffer.allocate(16)
              .putLong(NAMESPACE.getMostSignificantBits())
              .putLong(NAMESPACE.getLeastSignificantBits())
              .array());
      byte[] hash = sha1.digest(name.getBytes(StandardCharsets.UTF_8));
      hash[6] = (byte) ((hash[6] & 0x0f) | 0x50);
      hash[8] = (byte) ((hash[8] & 0x3f) | 0x80);
      ByteBuffer bytes = ByteBuffer.wrap(hash, 0, 16);
      return new UUID(bytes.getLong(), bytes.getLong());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is required of every Java runtime", e);
    }
  }
}
