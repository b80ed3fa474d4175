package io.tokenwatch.audit;

import io.tokenwatch.schemas.EventTypes;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What an analyst asks for: every field is optional and the given ones are combined with AND.
 * Values are matched exactly, except that decisions (always upper-case enum names), reasons and
 * event types are matched in any case, as the CLI's enum values are; times are epoch milliseconds,
 * {@code from} inclusive and {@code to} exclusive.
 *
 * @param subject token subject
 * @param client client id
 * @param token token id
 * @param grant grant id
 * @param types event types (e.g. {@code TokenIssued}); empty for all
 * @param decision decision column
 * @param reason reason column
 * @param from earliest occurred_at, inclusive
 * @param to latest occurred_at, exclusive
 * @param limit at most this many rows (1 to {@value #MAX_LIMIT})
 */
public record AuditFilter(
    @Nullable String subject,
    @Nullable String client,
    @Nullable String token,
    @Nullable String grant,
    Set<String> types,
    @Nullable String decision,
    @Nullable String reason,
    @Nullable Long from,
    @Nullable Long to,
    int limit) {

  /** The largest page a query returns. */
  public static final int MAX_LIMIT = 1_000_000;

  /** The longest accepted filter value. */
  public static final int MAX_VALUE_LENGTH = 1024;

  /** Every known event type: the schema names of the catalogue's events, which the store keeps. */
  public static final List<String> EVENT_TYPES =
      EventTypes.classes().stream().map(Class::getSimpleName).toList();

  public AuditFilter {
    check("subject", subject);
    check("client", client);
    check("token", token);
    check("grant", grant);
    check("decision", decision);
    check("reason", reason);
    if (decision != null) {
      decision = decision.toUpperCase(java.util.Locale.ROOT);
    }
    Set<String> canonical = new java.util.LinkedHashSet<>();
    for (String type : types) {
      canonical.add(
          EVENT_TYPES.stream()
              .filter(known -> known.equalsIgnoreCase(type))
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "unknown event type '" + printable(type) + "'; one of " + EVENT_TYPES)));
    }
    types = Set.copyOf(canonical);
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT);
    }
    if (from != null && to != null && from > to) {
      throw new IllegalArgumentException("from must not be after to");
    }
  }

  /** No filter, up to {@code limit} rows. */
  public static AuditFilter all(int limit) {
    return new AuditFilter(null, null, null, null, Set.of(), null, null, null, null, limit);
  }

  /** This filter with another limit. */
  public AuditFilter withLimit(int newLimit) {
    return new AuditFilter(
        subject, client, token, grant, types, decision, reason, from, to, newLimit);
  }

  /** This filter restricted to events of {@code type}. */
  public AuditFilter ofType(String type) {
    return new AuditFilter(
        subject, client, token, grant, Set.of(type), decision, reason, from, to, limit);
  }

  private static void check(String name, @Nullable String value) {
    if (value == null) {
      return;
    }
    if (value.isEmpty() || value.length() > MAX_VALUE_LENGTH) {
      throw new IllegalArgumentException(
          name + " must be 1 to " + MAX_VALUE_LENGTH + " characters");
    }
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i))) {
        throw new IllegalArgumentException(name + " must not contain control characters");
      }
    }
  }

  private static String printable(String value) {
    String cut = value.length() > 40 ? value.substring(0, 40) + "..." : value;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }
}
