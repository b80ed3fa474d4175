package io.tokenwatch.cli;

import io.tokenwatch.audit.AuditFilter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** The filter options shared by query, grants, replay and export. */
final class AuditFilters {
  @Option(names = "--subject", description = "Token subject.")
  @Nullable String subject;

  @Option(names = "--client", description = "Client id.")
  @Nullable String client;

  @Option(names = "--token", description = "Token id (jti).")
  @Nullable String tokenId;

  @Option(names = "--grant", description = "Grant id.")
  @Nullable String grant;

  @Option(
      names = "--type",
      split = ",",
      description = "Event types, e.g. TokenIssued,TokenUsed (repeatable).")
  List<String> types = new ArrayList<>();

  @Option(names = "--decision", description = "e.g. ALLOWED, DENIED, ISSUED, REVOKED.")
  @Nullable String decision;

  @Option(names = "--reason", description = "e.g. REVOKED, ADMIN, SCOPE_NOT_APPROVED.")
  @Nullable String reason;

  @Option(
      names = "--from",
      paramLabel = "TIME",
      converter = TimePoint.Converter.class,
      description =
          "Earliest time, inclusive: an ISO-8601 instant, a date (midnight UTC), an age before"
              + " now (15m, 2h, 7d), now, or epoch ms.")
  @Nullable TimePoint from;

  @Option(
      names = "--to",
      paramLabel = "TIME",
      converter = TimePoint.Converter.class,
      description = "Latest time, exclusive; the same forms as --from.")
  @Nullable TimePoint to;

  /** The filters given, or none when the argument group was not used at all. */
  static AuditFilters orNone(@Nullable AuditFilters given) {
    return given == null ? new AuditFilters() : given;
  }

  /** As a store filter; relative times are read against {@code clock}. */
  AuditFilter filter(int limit, Clock clock) {
    TimePoint earliest = from;
    TimePoint latest = to;
    return new AuditFilter(
        subject,
        client,
        tokenId,
        grant,
        new LinkedHashSet<>(types),
        decision,
        reason,
        earliest == null ? null : earliest.at(clock).toEpochMilli(),
        latest == null ? null : latest.at(clock).toEpochMilli(),
        limit);
  }

  /** As the audit API's query parameters, values as typed. */
  Map<String, String> params(int limit) {
    Map<String, String> params = new LinkedHashMap<>();
    put(params, "subject", subject);
    put(params, "client", client);
    put(params, "token", tokenId);
    put(params, "grant", grant);
    if (!types.isEmpty()) {
      params.put("type", String.join(",", types));
    }
    put(params, "decision", decision);
    put(params, "reason", reason);
    TimePoint earliest = from;
    TimePoint latest = to;
    put(params, "from", earliest == null ? null : earliest.text());
    put(params, "to", latest == null ? null : latest.text());
    params.put("limit", Integer.toString(limit));
    return params;
  }

  private static void put(Map<String, String> params, String name, @Nullable String value) {
    if (value != null) {
      params.put(name, value);
    }
  }
}
