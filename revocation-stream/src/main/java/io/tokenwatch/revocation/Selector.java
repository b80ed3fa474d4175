package io.tokenwatch.revocation;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.schemas.revocation.FeedKey;
import java.util.Optional;

/**
 * Names what a revocation covers: every token whose attribute of {@code kind} equals {@code value}.
 *
 * @param kind which token attribute is matched
 * @param value the id, subject, client or audience, compared exactly
 */
public record Selector(SelectorKind kind, String value) {

  public Selector {
    requireNonNull(kind, "kind");
    requireNonNull(value, "value");
    if (value.isBlank()) {
      throw new IllegalArgumentException("selector value must not be blank");
    }
  }

  /** The key on the revocation feed: {@code <kind>:<value>}, as {@link FeedKey} defines it. */
  public String key() {
    return FeedKey.of(io.tokenwatch.events.SelectorKind.valueOf(kind.name()), value);
  }

  /** Parses a feed key; empty when it is not {@code <kind>:<value>} with a known kind. */
  public static Optional<Selector> parse(String key) {
    return FeedKey.parse(key)
        .filter(parsed -> !parsed.value().isBlank())
        .map(parsed -> new Selector(SelectorKind.valueOf(parsed.kind().name()), parsed.value()));
  }

  @Override
  public String toString() {
    return key();
  }
}
