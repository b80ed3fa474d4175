package io.tokenwatch.validator.kafka;

import org.jspecify.annotations.Nullable;

/**
 * What a validator uses of a {@code Revocation} value: the selector's watermark and the record's
 * forget time (the selector's kind and value come from the record's key). A holder a {@link
 * RevocationValueReader} fills, reused record after record by one thread (the feed's), so that
 * reading a million values at start makes no garbage per value; not thread-safe.
 */
final class RevocationFields {
  private boolean hasIssuedBefore;
  private long issuedBefore;
  private long forgetAfter;

  /** Sets both fields; {@code issuedBeforeMillis} is {@code null} without watermark. */
  void set(@Nullable Long issuedBeforeMillis, long forgetAfterMillis) {
    this.hasIssuedBefore = issuedBeforeMillis != null;
    this.issuedBefore = issuedBeforeMillis == null ? 0 : issuedBeforeMillis;
    this.forgetAfter = forgetAfterMillis;
  }

  /** Sets both fields, the watermark unboxed. */
  void set(boolean hasIssuedBefore, long issuedBeforeMillis, long forgetAfterMillis) {
    this.hasIssuedBefore = hasIssuedBefore;
    this.issuedBefore = hasIssuedBefore ? issuedBeforeMillis : 0;
    this.forgetAfter = forgetAfterMillis;
  }

  /** {@code selector.issued_before} in epoch millis, or {@code null} without watermark. */
  @Nullable Long issuedBeforeMillis() {
    return hasIssuedBefore ? issuedBefore : null;
  }

  /** {@code forget_after} in epoch millis. */
  long forgetAfterMillis() {
    return forgetAfter;
  }

  @Override
  public String toString() {
    return "RevocationFields{issuedBefore="
        + issuedBeforeMillis()
        + ", forgetAfter="
        + forgetAfter
        + "}";
  }
}
