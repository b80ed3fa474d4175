package io.tokenwatch.signals;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One poll of a stream (RFC 8936 section 2.4): what the receiver acknowledges, which SETs it
 * reports as errors, how many SETs it wants at most, and whether it waits for one.
 *
 * @param ack the {@code jti}s the receiver acknowledges, in the order sent, without duplicates
 * @param setErrs the {@code jti}s the receiver could not process, each with its error
 * @param maxEvents the most SETs to return; 0 acknowledges only
 * @param returnImmediately whether to answer at once when no SET is pending, rather than waiting
 */
public record PollRequest(
    Set<String> ack, Map<String, SetError> setErrs, int maxEvents, boolean returnImmediately) {

  public PollRequest {
    requireNonNull(ack, "ack");
    requireNonNull(setErrs, "setErrs");
    if (maxEvents < 0) {
      throw new IllegalArgumentException("maxEvents must be >= 0");
    }
    ack = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(ack));
    setErrs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(setErrs));
    for (String jti : ack) {
      requireNonNull(jti, "ack jti");
      if (setErrs.containsKey(jti)) {
        throw new IllegalArgumentException("a jti cannot be both acknowledged and in error");
      }
    }
  }

  /** A request that acknowledges {@code ack} and asks for up to {@code maxEvents} SETs. */
  public static PollRequest of(List<String> ack, int maxEvents, boolean returnImmediately) {
    return new PollRequest(new LinkedHashSet<>(ack), Map.of(), maxEvents, returnImmediately);
  }

  /** The same poll with its acknowledgements and errors already applied: what is left to wait. */
  public PollRequest withoutReports() {
    return new PollRequest(Set.of(), Map.of(), maxEvents, returnImmediately);
  }

  /** Whether the request acknowledges or reports anything. */
  public boolean reports() {
    return !ack.isEmpty() || !setErrs.isEmpty();
  }

  /**
   * A receiver's report that it could not process a SET (RFC 8936 section 2.4, RFC 8935 section
   * 2.3).
   *
   * @param err the error code, such as {@code invalid_key} or {@code invalid_issuer}
   * @param description a human-readable description, when given
   */
  public record SetError(String err, @Nullable String description) {
    public SetError {
      requireNonNull(err, "err");
      if (err.isBlank()) {
        throw new IllegalArgumentException("err must not be blank");
      }
    }
  }
}
