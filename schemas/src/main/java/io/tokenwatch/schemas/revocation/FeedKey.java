package io.tokenwatch.schemas.revocation;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.SelectorKind;
import java.util.Locale;
import java.util.Optional;

/**
 * The key of a record on the revocation feed and the fast-path topic: {@code <kind>:<value>}, the
 * kind's lower-case name, a colon, and the selector's value as it is (which may itself contain
 * colons; only the first one separates). The one definition that the issuer, the revocation stream,
 * the anomaly detector and validators build and read keys with; docs/TOKENS.md states it for other
 * languages.
 *
 * @param kind what the value names; never {@code UNKNOWN}
 * @param value the id, subject, client or audience; not empty
 */
public record FeedKey(SelectorKind kind, String value) {

  public FeedKey {
    requireNonNull(kind, "kind");
    requireNonNull(value, "value");
    if (kind == SelectorKind.UNKNOWN) {
      throw new IllegalArgumentException("a feed key names a known selector kind");
    }
    if (value.isEmpty()) {
      throw new IllegalArgumentException("a feed key's value must not be empty");
    }
  }

  /**
   * The key text of {@code kind} and {@code value}: {@code <kind>:<value>}. {@code kind} is any
   * enum whose constants are named after the selector kinds (the event schema's {@link
   * SelectorKind}, or a service's own domain enum), so that a domain package builds keys without
   * depending on the generated event classes.
   */
  public static String of(Enum<?> kind, String value) {
    requireNonNull(value, "value");
    if (value.isEmpty()) {
      throw new IllegalArgumentException("a feed key's value must not be empty");
    }
    return prefix(kind) + value;
  }

  /** The prefix of every key of {@code kind}, separator included, e.g. {@code subject:}. */
  public static String prefix(Enum<?> kind) {
    requireNonNull(kind, "kind");
    if (kind.name().equals(SelectorKind.UNKNOWN.name())) {
      throw new IllegalArgumentException("a feed key names a known selector kind");
    }
    return kind.name().toLowerCase(Locale.ROOT) + ':';
  }

  /**
   * Reads a key; empty when it is not {@code <kind>:<value>} with a known kind and a non-empty
   * value (a reader counts and skips such a record: it cannot be evaluated).
   */
  public static Optional<FeedKey> parse(String key) {
    int colon = key.indexOf(':');
    if (colon <= 0 || colon == key.length() - 1) {
      return Optional.empty();
    }
    String prefix = key.substring(0, colon);
    for (SelectorKind kind : SelectorKind.values()) {
      if (kind != SelectorKind.UNKNOWN && kind.name().toLowerCase(Locale.ROOT).equals(prefix)) {
        return Optional.of(new FeedKey(kind, key.substring(colon + 1)));
      }
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return prefix(kind) + value;
  }
}
