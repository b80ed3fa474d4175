package io.tokenwatch.validator.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.Revocation;
import java.nio.ByteBuffer;
import java.time.Instant;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/** Reads the {@link RevocationFields} of a feed record's value. */
@FunctionalInterface
interface RevocationValueReader {

  /**
   * Reads {@code value}, a record of {@code topic}, into {@code into}; leaves {@code value}'s
   * position where it was.
   *
   * @throws RuntimeException when the value cannot be read, whatever the cause (bad bytes, an
   *     unknown schema id, an unreachable registry): the feed then counts the record unreadable and
   *     revokes its key without watermark, as it does for a value its consumer's deserializer could
   *     not read
   */
  void read(String topic, Headers headers, ByteBuffer value, RevocationFields into);

  /** Reads through {@code deserializer}, the whole {@code Revocation} decoded. */
  static RevocationValueReader deserializing(Deserializer<Revocation> deserializer) {
    requireNonNull(deserializer, "deserializer");
    return (topic, headers, value, into) -> {
      Revocation revocation = deserializer.deserialize(topic, headers, value.duplicate());
      if (revocation == null) {
        throw new SerializationException("the deserializer read no revocation from a value");
      }
      Instant issuedBefore = revocation.getSelector().getIssuedBefore();
      into.set(
          issuedBefore == null ? null : issuedBefore.toEpochMilli(),
          revocation.getForgetAfter().toEpochMilli());
    };
  }
}
