package io.tokenwatch.audit.store;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.audit.AuditEvent;
import io.tokenwatch.audit.AuditFilter;
import io.tokenwatch.audit.GrantView;
import io.tokenwatch.audit.LeastPrivilege;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The analyst's questions over a store. Every value reaches SQL as a bind parameter; only fixed SQL
 * text is concatenated. Not thread-safe (it uses the store's connection).
 */
public final class AuditQueries {

  /** The order replay and export stream events in. */
  public enum Order {
    /** By occurred_at, then source topic, partition and offset: one global timeline. */
    TIME("occurred_at, source_topic, source_partition, source_offset"),
    /** By source topic and partition, then position: the original order of each partition. */
    PARTITION("source_topic, source_partition, chain_seq");

    final String sql;

    Order(String sql) {
      this.sql = sql;
    }
  }

  private final AuditStore store;

  public AuditQueries(AuditStore store) {
    this.store = requireNonNull(store, "store");
  }

  private Connection connection() {
    return store.connection();
  }

  /** Events matching {@code filter}, by occurred_at, at most {@code filter.limit()}. */
  public List<AuditEvent> query(AuditFilter filter) {
    requireNonNull(filter, "filter");
    List<AuditEvent> events = new ArrayList<>();
    stream(filter, Order.TIME, filter.limit(), events::add);
    return events;
  }

  /** Streams every event matching {@code filter} (its limit ignored) in {@code order}. */
  public void forEach(AuditFilter filter, Order order, Consumer<AuditEvent> action) {
    requireNonNull(filter, "filter");
    requireNonNull(order, "order");
    requireNonNull(action, "action");
    stream(filter, order, -1, action);
  }

  private void stream(AuditFilter filter, Order order, int limit, Consumer<AuditEvent> action) {
    List<Object> params = new ArrayList<>();
    StringBuilder sql =
        new StringBuilder("SELECT ")
            .append(Schema.COLUMNS)
            .append(" FROM audit_events")
            .append(where(filter, params))
            .append(" ORDER BY ")
            .append(order.sql);
    if (limit > 0) {
      sql.append(" LIMIT ?");
      params.add(limit);
    }
    try (PreparedStatement select = prepare(sql.toString(), params);
        ResultSet rs = select.executeQuery()) {
      while (rs.next()) {
        action.accept(Rows.event(rs));
      }
    } catch (SQLException e) {
      throw new StoreException("query failed: " + e.getMessage(), e);
    }
  }

  /** Copies the stored rows {@code filter} selects (its limit ignored), chain columns as stored. */
  void copySelected(AuditFilter filter, AuditStore target) {
    List<Object> params = new ArrayList<>();
    String sql = "SELECT " + Schema.COLUMNS + " FROM audit_events" + where(filter, params);
    EventKey keys = new EventKey();
    try (PreparedStatement select = prepare(sql, params);
        ResultSet rs = select.executeQuery();
        Dialect.EventRows rows = target.dialect().rows(target.connection())) {
      while (rs.next()) {
        io.tokenwatch.audit.StoredRecord record = Rows.stored(rs);
        rows.add(
            record.event(),
            record.seq(),
            record.previousHash(),
            record.hash(),
            keys.of(record.event().eventId()));
      }
      rows.finish();
    } catch (SQLException e) {
      throw new StoreException("copying the selected events failed: " + e.getMessage(), e);
    }
  }

  /**
   * One replayed event: where it came from and the event as JSON.
   *
   * @param eventType the event type
   * @param occurredAt epoch milliseconds
   * @param topic source topic
   * @param partition source partition
   * @param offset source offset
   * @param eventId the event id
   * @param json the full event
   */
  public record ReplayRecord(
      String eventType,
      long occurredAt,
      String topic,
      int partition,
      long offset,
      String eventId,
      String json) {}

  /**
   * Streams every event matching {@code filter} (its limit ignored) in {@code order}, reading only
   * what a replay needs.
   */
  public void replay(AuditFilter filter, Order order, Consumer<ReplayRecord> action) {
    requireNonNull(filter, "filter");
    requireNonNull(order, "order");
    requireNonNull(action, "action");
    List<Object> params = new ArrayList<>();
    String sql =
        "SELECT event_type, epoch_ms(occurred_at), source_topic, source_partition, source_offset,"
            + " event_id, payload FROM audit_events"
            + where(filter, params)
            + " ORDER BY "
            + order.sql;
    try (PreparedStatement select = prepare(sql, params);
        ResultSet rs = select.executeQuery()) {
      while (rs.next()) {
        action.accept(
            new ReplayRecord(
                rs.getString(1),
                rs.getLong(2),
                rs.getString(3),
                rs.getInt(4),
                rs.getLong(5),
                rs.getString(6),
                rs.getString(7)));
      }
    } catch (SQLException e) {
      throw new StoreException("replay failed: " + e.getMessage(), e);
    }
  }

  /**
   * Streams every event matching {@code filter} (its limit ignored) in {@code order} as the JSON
   * line {@code tokenwatch audit replay} prints ({@link ReplayLines#line}, without the line break),
   * UTF-8 encoded. The database renders each line around the stored JSON, which already is the
   * event's part of it, so each row reaches Java as one value and is never decoded: JDBC's cost is
   * per value, and a String costs more to deliver than bytes. A row whose event id needs JSON
   * escaping (quotes, backslashes, control characters) or whose time lies before year 1000 comes as
   * its fields instead and is rendered here, so every line is exactly what {@link ReplayLines#line}
   * writes.
   */
  public void replayLines(AuditFilter filter, Order order, Consumer<byte[]> action) {
    requireNonNull(filter, "filter");
    requireNonNull(order, "order");
    requireNonNull(action, "action");
    if (store.dialect() == Dialect.POSTGRES) {
      // the line expression is DuckDB's SQL; here the lines are rendered in Java, the same bytes
      replay(
          filter,
          order,
          r ->
              action.accept(
                  ReplayLines.line(
                          r.eventType(),
                          r.occurredAt(),
                          r.topic(),
                          r.partition(),
                          r.offset(),
                          r.eventId(),
                          r.json())
                      .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      return;
    }
    List<Object> params = new ArrayList<>();
    String sql =
        "SELECT encode(CASE WHEN "
            + ReplayLines.SAFE
            + " THEN "
            + ReplayLines.LINE
            + " ELSE "
            + ReplayLines.FIELDS
            + " END) FROM audit_events"
            + where(filter, params)
            + " ORDER BY "
            + order.sql;
    try (PreparedStatement select = prepare(sql, params);
        ResultSet rs = select.executeQuery()) {
      while (rs.next()) {
        byte[] line = rs.getBytes(1);
        action.accept(line.length > 0 && line[0] == '!' ? ReplayLines.render(line) : line);
      }
    } catch (SQLException e) {
      throw new StoreException("replay failed: " + e.getMessage(), e);
    }
  }

  /** The shortest prefix of a token id that is looked up as a prefix. */
  public static final int MIN_TOKEN_PREFIX = 8;

  /**
   * The token id {@code idOrPrefix} names: itself when some event carries it, else the one token id
   * that starts with it (at least {@value #MIN_TOKEN_PREFIX} characters), so the short ids the demo
   * prints can be pasted.
   *
   * @throws IllegalArgumentException "no token starts with X", or "ambiguous: N tokens start with
   *     X" listing a few
   */
  public String resolveToken(String idOrPrefix) {
    requireNonNull(idOrPrefix, "idOrPrefix");
    List<String> matches = new ArrayList<>();
    long count;
    try {
      try (PreparedStatement exact =
              prepare(
                  "SELECT 1 FROM audit_events WHERE token_id = ? LIMIT 1", List.of(idOrPrefix));
          ResultSet rs = exact.executeQuery()) {
        if (rs.next()) {
          return idOrPrefix;
        }
      }
      if (idOrPrefix.length() < MIN_TOKEN_PREFIX) {
        throw new IllegalArgumentException(
            "no token has the id "
                + printable(idOrPrefix)
                + " (a prefix needs at least "
                + MIN_TOKEN_PREFIX
                + " characters)");
      }
      try (PreparedStatement prefix =
              prepare(
                  "SELECT token_id, count(*) OVER () FROM (SELECT DISTINCT token_id FROM"
                      + " audit_events WHERE starts_with(token_id, ?)) AS t ORDER BY token_id LIMIT 5",
                  List.of(idOrPrefix));
          ResultSet rs = prefix.executeQuery()) {
        count = 0;
        while (rs.next()) {
          matches.add(rs.getString(1));
          count = rs.getLong(2);
        }
      }
    } catch (SQLException e) {
      throw new StoreException("token lookup failed: " + e.getMessage(), e);
    }
    if (count == 1) {
      return matches.get(0);
    }
    if (count == 0) {
      throw new IllegalArgumentException("no token starts with " + printable(idOrPrefix));
    }
    throw new IllegalArgumentException(
        "ambiguous: "
            + count
            + " tokens start with "
            + printable(idOrPrefix)
            + " ("
            + String.join(", ", matches.stream().map(AuditQueries::printable).toList())
            + (count > matches.size() ? ", ..." : "")
            + ")");
  }

  /** {@code filter} with its token id or prefix {@linkplain #resolveToken resolved}. */
  public AuditFilter resolveToken(AuditFilter filter) {
    String token = filter.token();
    if (token == null) {
      return filter;
    }
    return new AuditFilter(
        filter.subject(),
        filter.client(),
        resolveToken(token),
        filter.grant(),
        filter.types(),
        filter.decision(),
        filter.reason(),
        filter.from(),
        filter.to(),
        filter.limit());
  }

  /**
   * The id {@link #why} should explain: {@code id} when something has it, else the token id it is a
   * unique prefix of; unchanged when it is neither, so the answer says nothing has it.
   *
   * @throws IllegalArgumentException when several tokens start with it
   */
  public String resolveWhyId(String id) {
    if (!why(id, 1).isEmpty() || id.length() < MIN_TOKEN_PREFIX) {
      return id;
    }
    try {
      return resolveToken(id);
    } catch (IllegalArgumentException e) {
      String message = e.getMessage();
      if (message != null && message.startsWith("ambiguous")) {
        throw e;
      }
      return id;
    }
  }

  private static String printable(String value) {
    String cut = value.length() > 64 ? value.substring(0, 64) + "..." : value;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }

  /** How many events match {@code filter} (its limit ignored). */
  public long count(AuditFilter filter) {
    List<Object> params = new ArrayList<>();
    try (PreparedStatement select =
            prepare("SELECT count(*) FROM audit_events" + where(filter, params), params);
        ResultSet rs = select.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new StoreException("count failed: " + e.getMessage(), e);
    }
  }

  /** The WHERE clause of a filter (or empty), appending its bind values to {@code params}. */
  static String where(AuditFilter filter, List<Object> params) {
    List<String> terms = new ArrayList<>();
    term(terms, params, "subject = ?", filter.subject());
    term(terms, params, "client_id = ?", filter.client());
    term(terms, params, "token_id = ?", filter.token());
    term(terms, params, "grant_id = ?", filter.grant());
    term(terms, params, "decision = ?", filter.decision());
    term(terms, params, "lower(reason) = lower(?)", filter.reason());
    if (!filter.types().isEmpty()) {
      List<String> marks = new ArrayList<>();
      filter.types().stream()
          .sorted()
          .forEach(
              type -> {
                marks.add("?");
                params.add(type);
              });
      terms.add("event_type IN (" + String.join(", ", marks) + ")");
    }
    term(terms, params, "occurred_at >= epoch_ms(?::BIGINT)", filter.from());
    term(terms, params, "occurred_at < epoch_ms(?::BIGINT)", filter.to());
    return terms.isEmpty() ? "" : " WHERE " + String.join(" AND ", terms);
  }

  private static void term(
      List<String> terms, List<Object> params, String sql, @Nullable Object value) {
    if (value != null) {
      terms.add(sql);
      params.add(value);
    }
  }

  private PreparedStatement prepare(String sql, List<Object> params) throws SQLException {
    PreparedStatement statement = connection().prepareStatement(sql);
    try {
      for (int i = 0; i < params.size(); i++) {
        statement.setObject(i + 1, params.get(i));
      }
      return statement;
    } catch (SQLException e) {
      statement.close();
      throw e;
    }
  }

  /** Of an issuance ({@code i}): when it was issued ({@code iat}) and its lineage. */
  private static String issuanceCoverage(Dialect dialect) {
    return "coalesce("
        + dialect.tryBigint("json_extract_string(payload, '$.issued_at')")
        + ",     epoch_ms(occurred_at)) AS iat_ms,   "
        + dialect.jsonTextArray("payload", "lineage")
        + " AS lineage";
  }

  /**
   * Common table expressions {@code s} and {@code r}: revocations and revocation requests with
   * their selector kind and {@code issued_before} watermark. Read from the stored event; for one
   * stored without its selector in the JSON, the kind follows the column holding the value and the
   * watermark the revocation stream's default (the revocation's time for grant, subject, client and
   * audience; none for a token).
   */
  private static String selectors(Dialect dialect) {
    return " s AS (SELECT event_id, event_type, occurred_at, reason, actor, token_id, grant_id,"
        + "   subject, client_id, audience,"
        + "   json_extract_string(payload, '$.selector.kind') AS json_kind,   "
        + dialect.tryBigint("json_extract_string(payload, '$.selector.issued_before')")
        + "     AS json_before"
        + "   FROM audit_events WHERE event_type IN ('Revocation', 'RevocationRequested')),"
        + " r AS (SELECT event_id, event_type, occurred_at, reason, actor, token_id, grant_id,"
        + "   subject, client_id, audience,"
        + "   coalesce(json_kind, CASE WHEN token_id IS NOT NULL THEN 'TOKEN'"
        + "     WHEN grant_id IS NOT NULL THEN 'GRANT' WHEN subject IS NOT NULL THEN 'SUBJECT'"
        + "     WHEN client_id IS NOT NULL THEN 'CLIENT'"
        + "     WHEN audience IS NOT NULL THEN 'AUDIENCE' END) AS kind,"
        + "   CASE WHEN json_kind IS NOT NULL THEN json_before"
        + "     WHEN token_id IS NULL THEN epoch_ms(occurred_at) END AS issued_before"
        + "   FROM s)";
  }

  /** Whether revocation {@code r} covers issuance {@code i}, as validators match it. */
  private static final String COVERS =
      "((r.kind = 'TOKEN' AND r.token_id = i.token_id)"
          + "     OR (r.kind = 'LINEAGE' AND (r.token_id = i.token_id"
          + "       OR list_contains(i.lineage, r.token_id)))"
          + "     OR (r.kind = 'GRANT' AND r.grant_id = i.grant_id)"
          + "     OR (r.kind = 'SUBJECT' AND r.subject = i.subject)"
          + "     OR (r.kind = 'CLIENT' AND r.client_id = i.client_id)"
          + "     OR (r.kind = 'AUDIENCE' AND r.audience = i.audience))"
          + "   AND (r.issued_before IS NULL OR i.iat_ms < r.issued_before)";

  /** Of an issuance or denial: the rule that decided it. */
  private static final String RULE = "json_extract_string(payload, '$.rule_id') AS rule_id";

  /**
   * Common table expression {@code g}: the governance records (consents and their withdrawals,
   * access-request changes, policy changes) with the exception id an access request created.
   */
  private static final String GOVERNANCE_RECORDS =
      " g AS (SELECT "
          + Schema.COLUMNS
          + ", json_extract_string(payload, '$.exception_id') AS exception_id,"
          + "   json_extract_string(payload, '$.request_id') AS request_id"
          + "   FROM audit_events WHERE event_type IN"
          + "   ('ConsentGranted', 'ConsentWithdrawn', 'AccessRequestChanged', 'PolicyChanged'))";

  /**
   * Whether governance record {@code g} stands behind issuance or denial {@code i}: the consent
   * whose id is its grant and that consent's withdrawal; the access request whose exception is its
   * rule; a policy change that put its policy version (digest) in force.
   */
  private static final String BEHIND =
      "((g.event_type IN ('ConsentGranted', 'ConsentWithdrawn') AND g.grant_id = i.grant_id)"
          + "   OR (g.event_type = 'AccessRequestChanged' AND g.exception_id = i.rule_id)"
          + "   OR (g.event_type = 'PolicyChanged' AND g.policy_id = i.policy_id"
          + "     AND g.policy_version = i.policy_version))";

  /**
   * Issuances matching {@code filter} (its types ignored) with their state at {@code nowMillis}:
   * revoked by the first revocation that covers the token as validators match it (docs/TOKENS.md);
   * else expired or active.
   *
   * <p>A revocation covers a token when its selector names it ({@code token}: its id; {@code
   * lineage}: its id or any id of its {@code lineage}; {@code grant}, {@code subject}, {@code
   * client}, {@code audience}: that attribute) and, when the selector carries an {@code
   * issued_before} watermark, the token was issued ({@code issued_at}, its {@code iat}) strictly
   * before it ({@link #selectors}).
   */
  public List<GrantView> grants(AuditFilter filter, long nowMillis) {
    return grants(filter, null, null, nowMillis);
  }

  /**
   * {@link #grants(AuditFilter, long)} of the issuances for {@code audience} (when given) whose
   * granted scopes include {@code scope} (when given).
   */
  public List<GrantView> grants(
      AuditFilter filter, @Nullable String audience, @Nullable String scope, long nowMillis) {
    requireNonNull(filter, "filter");
    List<Object> params = new ArrayList<>();
    String sql =
        "WITH i AS (SELECT "
            + Schema.COLUMNS
            + ", "
            + issuanceCoverage(store.dialect())
            + " FROM audit_events"
            + issuances(filter, audience, scope, params)
            + " ORDER BY occurred_at, source_topic, source_partition, source_offset LIMIT ?),"
            + selectors(store.dialect())
            + " SELECT "
            + Schema.qualifiedNames("i")
            + ", epoch_ms(r.occurred_at), r.reason, r.actor,"
            + "   lower(r.kind) || ':' || CASE r.kind WHEN 'GRANT' THEN r.grant_id"
            + "     WHEN 'SUBJECT' THEN r.subject WHEN 'CLIENT' THEN r.client_id"
            + "     WHEN 'AUDIENCE' THEN r.audience ELSE r.token_id END,"
            + "   r.event_id"
            + " FROM i LEFT JOIN LATERAL ("
            + "   SELECT * FROM r WHERE r.event_type = 'Revocation' AND "
            + COVERS
            + "   ORDER BY r.occurred_at, r.event_id LIMIT 1) r ON TRUE"
            + " ORDER BY i.occurred_ms, i.source_topic, i.source_partition, i.source_offset";
    params.add(filter.limit());
    List<GrantView> grants = new ArrayList<>();
    try (PreparedStatement select = prepare(sql, params);
        ResultSet rs = select.executeQuery()) {
      while (rs.next()) {
        AuditEvent issuance = Rows.event(rs);
        long revokedAt = rs.getLong(24);
        Long revoked = rs.wasNull() ? null : revokedAt;
        grants.add(
            new GrantView(
                issuance,
                GrantView.stateAt(issuance, revoked, nowMillis),
                revoked,
                rs.getString(25),
                rs.getString(26),
                revoked == null ? null : rs.getString(27),
                rs.getString(28)));
      }
    } catch (SQLException e) {
      throw new StoreException("grants query failed: " + e.getMessage(), e);
    }
    if (grants.isEmpty()) {
      return grants;
    }
    Map<String, List<Governance>> behind = governance(filter, audience, scope);
    List<GrantView> withGovernance = new ArrayList<>(grants.size());
    for (GrantView grant : grants) {
      List<Governance> records = behind.get(grant.issuance().eventId());
      withGovernance.add(
          records == null
              ? grant
              : new GrantView(
                  grant.issuance(),
                  grant.state(),
                  grant.revokedAt(),
                  grant.revocationReason(),
                  grant.revokedBy(),
                  grant.revocationSelector(),
                  grant.revocationId(),
                  latest(grant.issuance(), records)));
    }
    return withGovernance;
  }

  /**
   * The chain position ({@code chain_seq}) of each of {@code events} that is stored, by event id;
   * read through the key index, a thousand ids per statement.
   */
  public Map<String, Long> chainPositions(List<AuditEvent> events) {
    requireNonNull(events, "events");
    EventKey keys = new EventKey();
    Map<String, Long> positions = new HashMap<>();
    for (int from = 0; from < events.size(); from += 1000) {
      List<AuditEvent> chunk = events.subList(from, Math.min(events.size(), from + 1000));
      String marks = String.join(", ", java.util.Collections.nCopies(chunk.size(), "?::UUID"));
      List<Object> params = new ArrayList<>();
      chunk.forEach(event -> params.add(keys.of(event.eventId()).toString()));
      try (PreparedStatement select =
              prepare(
                  "SELECT event_id, chain_seq FROM audit_events WHERE event_key IN (" + marks + ")",
                  params);
          ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          positions.put(rs.getString(1), rs.getLong(2));
        }
      } catch (SQLException e) {
        throw new StoreException("chain position query failed: " + e.getMessage(), e);
      }
    }
    return positions;
  }

  /** The WHERE clause of the issuances {@link #grants} selects. */
  private static String issuances(
      AuditFilter filter, @Nullable String audience, @Nullable String scope, List<Object> params) {
    StringBuilder sql = new StringBuilder(where(filter.ofType("TokenIssued"), params));
    if (audience != null) {
      sql.append(" AND audience = ?");
      params.add(audience);
    }
    if (scope != null) {
      sql.append(" AND list_contains(string_split(scope, ' '), ?)");
      params.add(scope);
    }
    return sql.toString();
  }

  /** A governance record and the access request it belongs to, if it is a request's change. */
  private record Governance(AuditEvent event, @Nullable String requestId) {}

  /** The governance records behind each issuance {@code filter} selects, by issuance event id. */
  private Map<String, List<Governance>> governance(
      AuditFilter filter, @Nullable String audience, @Nullable String scope) {
    List<Object> params = new ArrayList<>();
    String sql =
        "WITH i AS (SELECT event_id, grant_id, policy_id, policy_version, "
            + RULE
            + " FROM audit_events"
            + issuances(filter, audience, scope, params)
            + " ORDER BY occurred_at, source_topic, source_partition, source_offset LIMIT ?),"
            + GOVERNANCE_RECORDS
            + " SELECT g.*, i.event_id FROM i JOIN g ON "
            + BEHIND
            + " ORDER BY g.occurred_ms, g.source_topic, g.source_partition, g.source_offset";
    params.add(filter.limit());
    Map<String, List<Governance>> behind = new HashMap<>();
    try (PreparedStatement select = prepare(sql, params);
        ResultSet rs = select.executeQuery()) {
      while (rs.next()) {
        behind
            .computeIfAbsent(rs.getString(26), id -> new ArrayList<>())
            .add(new Governance(Rows.event(rs), rs.getString(25)));
      }
    } catch (SQLException e) {
      throw new StoreException("grants query failed: " + e.getMessage(), e);
    }
    return behind;
  }

  /**
   * Of the records behind {@code issuance} (oldest first): the consent records, the latest state of
   * each access request (every record carries the whole state), and the policy change in force at
   * issuance (a rollback can bring a digest back, so the latest at or before it; else the first).
   */
  private static List<AuditEvent> latest(AuditEvent issuance, List<Governance> records) {
    Map<String, AuditEvent> requests = new java.util.LinkedHashMap<>();
    AuditEvent policy = null;
    List<AuditEvent> kept = new ArrayList<>();
    for (Governance record : records) {
      AuditEvent event = record.event();
      switch (event.eventType()) {
        case "AccessRequestChanged" -> requests.put(String.valueOf(record.requestId()), event);
        case "PolicyChanged" -> {
          if (policy == null || event.occurredAt() <= issuance.occurredAt()) {
            policy = event;
          }
        }
        default -> kept.add(event);
      }
    }
    if (policy != null) {
      kept.add(policy);
    }
    kept.addAll(requests.values());
    kept.sort(
        java.util.Comparator.comparingLong(AuditEvent::occurredAt)
            .thenComparing(AuditEvent::sourceTopic)
            .thenComparingInt(AuditEvent::sourcePartition)
            .thenComparingLong(AuditEvent::sourceOffset));
    return kept;
  }

  /**
   * One token's life, by occurred_at: its issuance, uses and denials, alerts naming it or its
   * grant, its grant's refresh changes, the revocation requests and revocations that cover it,
   * matched as {@link #grants} matches them (selector, lineage, {@code issued_before} watermark),
   * and what people decided behind it: the consent its grant was opened by and that consent's
   * withdrawal, every change of the access request whose exception is its rule, and the policy
   * changes that put its policy version in force.
   */
  public List<AuditEvent> timeline(String tokenId, int limit) {
    requireNonNull(tokenId, "tokenId");
    String sql =
        "WITH i AS (SELECT token_id, grant_id, subject, client_id, audience, policy_id,"
            + "   policy_version, "
            + RULE
            + ", "
            + issuanceCoverage(store.dialect())
            + "   FROM audit_events WHERE event_type = 'TokenIssued' AND token_id = ? LIMIT 1),"
            + selectors(store.dialect())
            + ","
            + GOVERNANCE_RECORDS
            + " SELECT "
            + Schema.COLUMNS
            + " FROM audit_events e WHERE e.token_id = ?"
            + " OR (e.event_type IN ('SecurityAlert', 'RefreshGrantChanged')"
            + "   AND e.grant_id = (SELECT grant_id FROM i))"
            + " OR e.event_id IN (SELECT r.event_id FROM r, i WHERE "
            + COVERS
            + ")"
            + " OR e.event_id IN (SELECT g.event_id FROM g, i WHERE "
            + BEHIND
            + ")"
            + " ORDER BY occurred_at, source_topic, source_partition, source_offset LIMIT ?";
    List<AuditEvent> events = new ArrayList<>();
    try (PreparedStatement select = prepare(sql, List.of(tokenId, tokenId, limit));
        ResultSet rs = select.executeQuery()) {
      while (rs.next()) {
        events.add(Rows.event(rs));
      }
    } catch (SQLException e) {
      throw new StoreException("timeline query failed: " + e.getMessage(), e);
    }
    return events;
  }

  /**
   * Everything that explains {@code id}: a token id (jti), an event id, a consent id or an access
   * request id. The events it names (the token's issuance; the event; the consent; every change of
   * the request), for a token or a use of one the token's {@link #timeline} (uses, denials, alerts,
   * revocations covering it), the issuances of the token's ancestors (whose actors make up the
   * actor chain), and what people decided behind every issuance or denial among them: the consent,
   * its withdrawal, each change of the access request whose exception is the rule, and the policy
   * changes that put the policy version in force. By occurred_at, at most {@code limit}; empty when
   * nothing has that id.
   */
  public List<AuditEvent> why(String id, int limit) {
    requireNonNull(id, "id");
    String sql =
        "WITH t AS (SELECT event_id, event_type, token_id FROM audit_events WHERE event_id = ?"
            + "   OR (event_type = 'TokenIssued' AND token_id = ?)"
            + "   OR (event_type = 'ConsentGranted' AND grant_id = ?)"
            + "   OR (event_type = 'AccessRequestChanged'"
            + "     AND json_extract_string(payload, '$.request_id') = ?)),"
            + " i AS (SELECT event_id, grant_id, policy_id, policy_version, "
            + RULE
            + ", "
            + store.dialect().jsonTextArray("payload", "lineage")
            + " AS lineage"
            + "   FROM audit_events WHERE (event_type = 'TokenIssued' AND token_id IN"
            + "     (SELECT token_id FROM t WHERE event_type IN ('TokenIssued', 'TokenUsed')))"
            + "   OR (event_type IN ('IssuanceDenied', 'ConsentGranted')"
            + "     AND event_id IN (SELECT event_id FROM t))),"
            + GOVERNANCE_RECORDS
            + " SELECT "
            + Schema.COLUMNS
            + " FROM audit_events WHERE event_id IN (SELECT event_id FROM t)"
            + " OR event_id IN (SELECT event_id FROM i)"
            + " OR (event_type = 'TokenIssued' AND token_id IN (SELECT unnest(lineage) FROM i))"
            + " OR event_id IN (SELECT g.event_id FROM g, i WHERE "
            + BEHIND
            + ")"
            + " ORDER BY occurred_at, source_topic, source_partition, source_offset LIMIT ?";
    Map<String, AuditEvent> events = new java.util.LinkedHashMap<>();
    String token = null;
    try (PreparedStatement select = prepare(sql, List.of(id, id, id, id, limit));
        ResultSet rs = select.executeQuery()) {
      while (rs.next()) {
        AuditEvent event = Rows.event(rs);
        events.put(event.eventId(), event);
        boolean named = event.eventId().equals(id) || id.equals(event.tokenId());
        if (named
            && event.tokenId() != null
            && (event.eventType().equals("TokenIssued") || event.eventType().equals("TokenUsed"))) {
          token = event.tokenId();
        }
      }
    } catch (SQLException e) {
      throw new StoreException("why query failed: " + e.getMessage(), e);
    }
    if (token != null) {
      for (AuditEvent event : timeline(token, limit)) {
        events.putIfAbsent(event.eventId(), event);
      }
    }
    return events.values().stream()
        .sorted(
            java.util.Comparator.comparingLong(AuditEvent::occurredAt)
                .thenComparing(AuditEvent::sourceTopic)
                .thenComparingInt(AuditEvent::sourcePartition)
                .thenComparingLong(AuditEvent::sourceOffset))
        .limit(limit)
        .toList();
  }

  /**
   * The least-privilege report over issuances and allowed uses since {@code fromMillis}. A
   * principal is the client, plus the subject for delegated (token-exchange) tokens.
   */
  public LeastPrivilege.Report leastPrivilege(long fromMillis) {
    String principal =
        "client_id, CASE WHEN grant_type = 'TOKEN_EXCHANGE' THEN subject END AS on_behalf";
    String granted =
        "SELECT client_id, on_behalf, scope, count(*) FROM (SELECT "
            + principal
            + ", unnest(string_split(scope, ' ')) AS scope FROM audit_events WHERE event_type = 'TokenIssued'"
            + " AND client_id IS NOT NULL AND occurred_at >= epoch_ms(?::BIGINT))"
            + " AS s WHERE scope <> '' GROUP BY 1, 2, 3";
    String tokens =
        "SELECT "
            + principal
            + ", count(*) FROM audit_events WHERE event_type = 'TokenIssued'"
            + " AND client_id IS NOT NULL AND occurred_at >= epoch_ms(?::BIGINT) GROUP BY 1, 2";
    String exercised =
        "SELECT i.client_id, CASE WHEN i.grant_type = 'TOKEN_EXCHANGE' THEN i.subject END,"
            + " u.used_scope, count(*) FROM (SELECT token_id, unnest(string_split(scope, ' ')) AS used_scope"
            + " FROM audit_events WHERE event_type = 'TokenUsed' AND decision = 'ALLOWED'"
            + " AND occurred_at >= epoch_ms(?::BIGINT)) u JOIN audit_events i"
            + " ON i.event_type = 'TokenIssued' AND i.token_id = u.token_id"
            + " WHERE i.client_id IS NOT NULL AND u.used_scope <> '' GROUP BY 1, 2, 3";
    try {
      List<LeastPrivilege.ScopeCount> grantedCounts = scopeCounts(granted, fromMillis);
      List<LeastPrivilege.ScopeCount> exercisedCounts = scopeCounts(exercised, fromMillis);
      Map<LeastPrivilege.Principal, Long> tokenCounts = new HashMap<>();
      try (PreparedStatement select = prepare(tokens, List.of(fromMillis));
          ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          tokenCounts.put(
              new LeastPrivilege.Principal(rs.getString(1), rs.getString(2)), rs.getLong(3));
        }
      }
      return LeastPrivilege.compute(grantedCounts, exercisedCounts, tokenCounts);
    } catch (SQLException e) {
      throw new StoreException("least-privilege query failed: " + e.getMessage(), e);
    }
  }

  private List<LeastPrivilege.ScopeCount> scopeCounts(String sql, long fromMillis)
      throws SQLException {
    List<LeastPrivilege.ScopeCount> counts = new ArrayList<>();
    try (PreparedStatement select = prepare(sql, List.of(fromMillis));
        ResultSet rs = select.executeQuery()) {
      while (rs.next()) {
        counts.add(
            new LeastPrivilege.ScopeCount(
                new LeastPrivilege.Principal(rs.getString(1), rs.getString(2)),
                rs.getString(3),
                rs.getLong(4)));
      }
    }
    return counts;
  }
}
