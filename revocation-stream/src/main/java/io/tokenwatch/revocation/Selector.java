package io.tokenwatch.revocation;

import static java.util.Objects.requireNonNull;

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

  /** The key on the revocation feed: {@code <kind>:<value>}. */
  public String key() {
    return kind.prefix() + ":" + value;
  }

  /** Parses a feed key; empty when it is not {@code <kind>:<value>} with a known kind. */
  public static Optional<Selector> parse(String key) {
    int colon = key.indexOf(':');
    if (colon <= 0 || colon == key.length() - 1) {
      return Optional.empty();
    }
    String value = key.substring(colon + 1);
    if (value.isBlank()) {
      return Optional.empty();
    }
    return SelectorKind.fromPrefix(key.substring(0, colon)).map(kind -> new Selector(kind, value));
  }

  @Override
  public String toString() {
    return key();
  }
}
