package io.tokenwatch.audit.store;

import static io.tokenwatch.audit.TestEvents.T0;
import static io.tokenwatch.audit.TestEvents.issued;
import static io.tokenwatch.audit.TestEvents.revoked;
import static io.tokenwatch.audit.TestEvents.used;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tokenwatch.audit.AuditEvent;
import io.tokenwatch.audit.AuditFilter;
import io.tokenwatch.audit.ChainKey;
import io.tokenwatch.audit.GrantView;
import io.tokenwatch.audit.LeastPrivilege;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditQueriesTest {

  @TempDir Path dir;

  private StoreLocation location;

  /** Where the store under test is; the PostgreSQL subclass runs every test on PostgreSQL. */
  StoreLocation newLocation() {
    return new StoreLocation.DuckDbFile(dir.resolve("audit.duckdb"));
  }

  /** The store under test, the same one for the whole test. */
  final StoreLocation location() {
    if (location == null) {
      location = newLocation();
    }
    return location;
  }

  final boolean onDuckDb() {
    return location() instanceof StoreLocation.DuckDbFile;
  }

  private AuditStore store;
  private AuditQueries queries;

  @BeforeEach
  void fill() {
    store = AuditStore.openReadWrite(location());
    List<AuditEvent> events =
        List.of(
            issued("t1", "alice", "app", 0, 0, "read", "write"),
            issued("t2", "bob", "app", 0, 1, "read"),
            issued("t3", "alice", "reporter", 1, 2, "read", "admin"),
            used("u1", "t1", "alice", "app", "ALLOWED", 0, 3, "read"),
            used("u2", "t1", "alice", "app", "ALLOWED", 0, 4, "read"),
            used("u3", "t2", "bob", "app", "DENIED", 1, 5, "read"),
            used("u4", "t3", "alice", "reporter", "ALLOWED", 1, 6, "read"),
            revoked("r1", "t1", 0, 7));
    Map<ChainKey, Long> offsets = new HashMap<>();
    for (AuditEvent event : events) {
      offsets.merge(event.chain(), event.sourceOffset() + 1, Math::max);
    }
    store.append(events, offsets);
    queries = new AuditQueries(store);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private static AuditFilter filter(
      String subject, String client, String token, Set<String> types, String decision) {
    return new AuditFilter(subject, client, token, null, types, decision, null, null, null, 100);
  }

  private static List<String> ids(List<AuditEvent> events) {
    return events.stream().map(AuditEvent::eventId).toList();
  }

  @Test
  void shouldFilterBySubjectClientTokenTypeAndDecision() {
    assertThat(ids(queries.query(filter("bob", null, null, Set.of(), null))))
        .containsExactly("ev-issued-t2", "u3");
    assertThat(ids(queries.query(filter(null, "reporter", null, Set.of(), null))))
        .containsExactly("ev-issued-t3", "u4");
    assertThat(ids(queries.query(filter(null, null, "t1", Set.of("TokenUsed"), null))))
        .containsExactly("u1", "u2");
    assertThat(ids(queries.query(filter(null, null, null, Set.of(), "DENIED"))))
        .containsExactly("u3");
    assertThat(
            ids(
                queries.query(
                    new AuditFilter(
                        null, null, null, "grant-t2", Set.of(), null, null, null, null, 10))))
        .containsExactly("ev-issued-t2");
    assertThat(
            ids(
                queries.query(
                    new AuditFilter(
                        null, null, null, null, Set.of(), null, "REVOKED", null, null, 10))))
        .containsExactly("u3");
  }

  @Test
  void shouldBoundByTimeAndLimit() {
    AuditFilter window =
        new AuditFilter(null, null, null, null, Set.of(), null, null, T0 + 2000, T0 + 5000, 100);
    assertThat(ids(queries.query(window))).containsExactly("ev-issued-t3", "u1", "u2");
    assertThat(ids(queries.query(window.withLimit(1)))).containsExactly("ev-issued-t3");
  }

  @Test
  void shouldTreatInjectionStringsAsPlainValues() {
    assertThat(queries.query(filter("' OR '1'='1", null, null, Set.of(), null))).isEmpty();
    assertThat(
            queries.query(
                filter("alice'; DROP TABLE audit_events; --", null, null, Set.of(), null)))
        .isEmpty();
    assertThat(store.count()).isEqualTo(8);
  }

  @Test
  void shouldRejectUnknownTypesAndHugeLimits() {
    assertThatThrownBy(() -> filter(null, null, null, Set.of("Nope"), null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AuditFilter.all(AuditFilter.MAX_LIMIT + 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldTellGrantsWithTheirState() {
    List<GrantView> grants = queries.grants(AuditFilter.all(100), T0 + 5000);

    assertThat(grants).extracting(g -> g.issuance().tokenId()).containsExactly("t1", "t2", "t3");
    assertThat(grants.get(0).state()).isEqualTo(GrantView.State.REVOKED);
    assertThat(grants.get(0).revocationReason()).isEqualTo("ADMIN");
    assertThat(grants.get(0).revokedBy()).isEqualTo("admin@example.com");
    assertThat(grants.get(0).revocationSelector()).isEqualTo("token:t1");
    assertThat(grants.get(1).state()).isEqualTo(GrantView.State.ACTIVE);
    assertThat(grants.get(1).issuance().policyVersion()).isEqualTo("7");
    assertThat(queries.grants(AuditFilter.all(100), T0 + 10_000_000))
        .extracting(GrantView::state)
        .containsExactly(GrantView.State.REVOKED, GrantView.State.EXPIRED, GrantView.State.EXPIRED);
    assertThat(queries.grants(filter("alice", "reporter", null, Set.of(), null), T0))
        .extracting(g -> g.issuance().tokenId())
        .containsExactly("t3");
  }

  @Test
  void shouldTellOneTokensLife() {
    assertThat(ids(queries.timeline("t1", 100))).containsExactly("ev-issued-t1", "u1", "u2", "r1");
    assertThat(queries.timeline("no-such-token", 100)).isEmpty();
  }

  @Test
  void shouldListWhatCanBeNarrowed() {
    LeastPrivilege.Report report = queries.leastPrivilege(T0);

    assertThat(report.principals()).isEqualTo(2);
    assertThat(report.narrowable())
        .extracting(n -> n.principal().clientId(), LeastPrivilege.Narrowable::unused)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("app", List.of("write")),
            org.assertj.core.groups.Tuple.tuple("reporter", List.of("admin")));
    assertThat(report.idle()).isEmpty();
    assertThat(report.unusedScopes())
        .extracting(LeastPrivilege.UnusedScope::scope)
        .containsExactly("admin", "write");
  }

  @Test
  void shouldStreamInTimeOrPartitionOrder() {
    List<String> byTime = new ArrayList<>();
    queries.forEach(AuditFilter.all(1), AuditQueries.Order.TIME, e -> byTime.add(e.eventId()));
    assertThat(byTime).hasSize(8).startsWith("ev-issued-t1", "ev-issued-t2", "ev-issued-t3");

    List<String> byPartition = new ArrayList<>();
    queries.forEach(
        AuditFilter.all(1), AuditQueries.Order.PARTITION, e -> byPartition.add(e.eventId()));
    assertThat(byPartition)
        .containsExactly(
            "r1", "ev-issued-t1", "ev-issued-t2", "ev-issued-t3", "u1", "u2", "u3", "u4");
  }

  @Test
  void shouldExportParquetAndCsvThatReadBack() throws Exception {
    assumeTrue(onDuckDb(), "reads the files back through the store's DuckDB connection");
    Exporter exporter = new Exporter(store);
    Path parquet = dir.resolve("out.parquet");
    Path csv = dir.resolve("out.csv");

    assertThat(exporter.export(AuditFilter.all(1), Exporter.target(parquet.toString(), false)))
        .isEqualTo(8);
    assertThat(
            exporter.export(
                filter("alice", null, null, Set.of(), null),
                Exporter.target(csv.toString(), false)))
        .isEqualTo(5);

    try (Statement s = store.connection().createStatement()) {
      try (ResultSet rs =
          s.executeQuery(
              "SELECT count(*) FROM (SELECT event_id, payload, array_to_string(scopes, ' '), hash"
                  + " FROM read_parquet('"
                  + parquet
                  + "') EXCEPT SELECT event_id, payload, scope, lower(hex(hash))"
                  + " FROM audit_events)")) {
        rs.next();
        assertThat(rs.getLong(1)).isZero();
      }
      try (ResultSet rs =
          s.executeQuery(
              "SELECT count(*), min(subject), max(subject) FROM read_csv('" + csv + "')")) {
        rs.next();
        assertThat(rs.getLong(1)).isEqualTo(5);
        assertThat(rs.getString(2)).isEqualTo("alice");
        assertThat(rs.getString(3)).isEqualTo("alice");
      }
    }
    assertThat(Files.size(parquet)).isPositive();
  }

  @Test
  void shouldExportTimestampsAsUtcInstantsWhateverTheSessionTimeZone() throws Exception {
    assumeTrue(onDuckDb(), "DuckDB only");
    Map<String, Long> stored = new HashMap<>();
    try (Statement s = store.connection().createStatement()) {
      try (ResultSet rs =
          s.executeQuery("SELECT event_id, epoch_ms(occurred_at) FROM audit_events")) {
        while (rs.next()) {
          stored.put(rs.getString(1), rs.getLong(2));
        }
      }
      // a zone far from UTC, with a non-hour offset: a naive cast would shift every instant
      s.execute("SET TimeZone = 'Asia/Kathmandu'");
    }
    Exporter exporter = new Exporter(store);
    Path parquet = dir.resolve("zoned.parquet");
    Path csv = dir.resolve("zoned.csv");
    exporter.export(AuditFilter.all(1), Exporter.target(parquet.toString(), false));
    exporter.export(AuditFilter.all(1), Exporter.target(csv.toString(), false));

    try (Statement s = store.connection().createStatement()) {
      // the file's own schema, as the Parquet footer states it
      Map<String, String> logicalTypes = new HashMap<>();
      try (ResultSet rs =
          s.executeQuery(
              "SELECT name, logical_type::VARCHAR FROM parquet_schema('"
                  + parquet
                  + "')"
                  + " WHERE name IN ('occurred_at', 'expires_at')")) {
        while (rs.next()) {
          logicalTypes.put(rs.getString(1), rs.getString(2));
        }
      }
      assertThat(logicalTypes).containsOnlyKeys("occurred_at", "expires_at");
      assertThat(logicalTypes.values())
          .allSatisfy(
              type ->
                  assertThat(type)
                      .startsWith("TimestampType")
                      .containsPattern("isAdjustedToUTC=(1|true)")
                      .contains("MICROS=MicroSeconds"));

      Map<String, Long> fromParquet = new HashMap<>();
      try (ResultSet rs =
          s.executeQuery(
              "SELECT event_id, epoch_ms(occurred_at::TIMESTAMPTZ) FROM read_parquet('"
                  + parquet
                  + "')")) {
        while (rs.next()) {
          fromParquet.put(rs.getString(1), rs.getLong(2));
        }
      }
      assertThat(fromParquet).isEqualTo(stored);
    }
    List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
    int column = List.of(lines.get(0).split(",")).indexOf("occurred_at");
    Map<String, Long> fromCsv = new HashMap<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] fields = line.split(",");
      fromCsv.put(fields[0], java.time.Instant.parse(fields[column]).toEpochMilli());
    }
    assertThat(fromCsv).isEqualTo(stored);
  }

  @Test
  void shouldRefuseUnsafeExportPaths() throws Exception {
    Path existing = Files.createFile(dir.resolve("taken.csv"));
    assertThatThrownBy(() -> Exporter.target(dir + "/../escape.csv", false))
        .hasMessageContaining("..");
    assertThatThrownBy(() -> Exporter.target(dir + "/out.txt", false))
        .hasMessageContaining(".parquet or .csv");
    assertThatThrownBy(() -> Exporter.target(dir + "/x'; COPY.csv", false))
        .hasMessageContaining("quotes");
    assertThatThrownBy(() -> Exporter.target(dir + "/missing/out.csv", false))
        .hasMessageContaining("does not exist");
    assertThatThrownBy(() -> Exporter.target(existing.toString(), false))
        .hasMessageContaining("--force");
    assertThat(Exporter.target(existing.toString(), true).format()).isEqualTo(Exporter.Format.CSV);
  }

  @Test
  void shouldOpenReadOnlyOnlyWhileNoWriterHoldsTheFile() {
    assumeTrue(onDuckDb(), "DuckDB only");
    Path file = dir.resolve("audit.duckdb");
    store.close();
    try (AuditStore reader = AuditStore.openReadOnly(file)) {
      assertThat(new AuditQueries(reader).query(AuditFilter.all(100))).hasSize(8);
      Exporter exporter = new Exporter(reader);
      assertThat(exporter.export(AuditFilter.all(1), Exporter.target(dir + "/ro.csv", false)))
          .isEqualTo(8);
    }
    store = AuditStore.openReadWrite(file);
  }

  @Test
  void shouldRenderReplayLinesInTheDatabaseExactlyAsInJava() {
    List<AuditEvent> odd = new ArrayList<>();
    long[] times = {
      T0,
      T0 + 5,
      T0 + 120,
      T0 + 999,
      -1,
      -1_000,
      -86_399_995L,
      -30_000_000_000_000L, // 1019
      -50_000_000_000_000L, // year 385: rendered in Java
      AuditEvent.MAX_TIME
    };
    String[] ids = {"plain", "quote\"d", "back\\slash", "tab\tand\u0001", "ünïcode ✓", "a/b"};
    int offset = 100;
    for (long time : times) {
      for (String id : ids) {
        AuditEvent base = used(id + "@" + time, "t9", "zed", "app", "ALLOWED", 3, offset, "read");
        odd.add(
            new AuditEvent(
                base.eventId(),
                base.eventType(),
                time,
                base.subject(),
                base.clientId(),
                base.tokenId(),
                base.grantId(),
                base.audience(),
                base.grantType(),
                base.scopes(),
                base.decision(),
                base.reason(),
                base.policyId(),
                base.policyVersion(),
                base.actor(),
                base.expiresAt(),
                base.sourceTopic(),
                base.sourcePartition(),
                offset++,
                base.json()));
      }
    }
    store.append(odd, Map.of(new ChainKey("tokenwatch.token-used", 3), (long) offset));

    for (AuditQueries.Order order : AuditQueries.Order.values()) {
      List<String> rendered = new ArrayList<>();
      queries.replay(
          AuditFilter.all(1),
          order,
          r ->
              rendered.add(
                  ReplayLines.line(
                      r.eventType(),
                      r.occurredAt(),
                      r.topic(),
                      r.partition(),
                      r.offset(),
                      r.eventId(),
                      r.json())));
      List<String> database = new ArrayList<>();
      queries.replayLines(
          AuditFilter.all(1),
          order,
          line -> database.add(new String(line, StandardCharsets.UTF_8)));

      assertThat(database).hasSize(8 + odd.size()).isEqualTo(rendered);
    }
  }
}
