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
    return FeedKey.of(kind, value);
  }

  /** Parses a feed key; empty when it is not {@code <kind>:<value>} with a known kind. */
  public static Optional<Selector> parse(String key) {
    for (SelectorKind kind : SelectorKind.values()) {
      String prefix = FeedKey.prefix(kind);
      if (key.startsWith(prefix)) {
        String value = key.substring(prefix.length());
        return value.isBlank() ? Optional.empty() : Optional.of(new Selector(kind, value));
      }
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return key();
  }
}
