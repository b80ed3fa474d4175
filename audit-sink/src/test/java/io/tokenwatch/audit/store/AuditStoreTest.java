package io.tokenwatch.audit.store;

import static io.tokenwatch.audit.TestEvents.issued;
import static io.tokenwatch.audit.TestEvents.used;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tokenwatch.audit.AuditEvent;
import io.tokenwatch.audit.ChainKey;
import io.tokenwatch.audit.CheckpointSigner;
import io.tokenwatch.audit.Finding;
import io.tokenwatch.audit.VerificationReport;
import java.nio.file.Path;
import java.security.KeyPair;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditStoreTest {

  static final ChainKey USED_0 = new ChainKey("tokenwatch.token-used", 0);

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

  AuditStore store;
  KeyPair keys;
  CheckpointSigner signer;

  @BeforeEach
  void open() {
    store = AuditStore.openReadWrite(location());
    keys = KeyFiles.loadOrCreate(dir);
    signer = new CheckpointSigner(keys);
  }

  @AfterEach
  void close() {
    store.close();
  }

  static List<AuditEvent> uses(int from, int count) {
    List<AuditEvent> events = new ArrayList<>();
    for (int i = from; i < from + count; i++) {
      events.add(used("use-" + i, "tok-" + (i % 7), "alice", "app", "ALLOWED", 0, i, "read"));
    }
    return events;
  }

  VerificationReport verify() {
    return StoreVerifier.verify(store, keys.getPublic(), 2);
  }

  void sql(String statement) throws SQLException {
    try (Statement s = store.connection().createStatement()) {
      s.execute(statement);
    }
  }

  @Test
  void shouldStoreBatchesChainThemAndVerify() {
    store.append(uses(0, 50), Map.of(USED_0, 50L));
    store.checkpoint(signer, 1);
    store.append(uses(50, 50), Map.of(USED_0, 100L));
    store.checkpoint(signer, 2);
    store.append(
        List.of(issued("tok-1", "alice", "app", 2, 0, "read")),
        Map.of(new ChainKey("tokenwatch.token-issued", 2), 1L));

    VerificationReport report = verify();

    assertThat(report.findings()).isEmpty();
    assertThat(report.records()).isEqualTo(101);
    assertThat(report.chains()).isEqualTo(2);
    assertThat(report.checkpoints()).isEqualTo(2);
    assertThat(report.unsealed()).isEqualTo(1);
    assertThat(store.partitions().get(USED_0).nextOffset()).isEqualTo(100);
  }

  @Test
  void shouldStoreRedeliveredAndDuplicatedEventsOnce() {
    store.append(uses(0, 20), Map.of(USED_0, 20L));
    // the same records again (redelivery) and a producer retry of one event at a later offset
    List<AuditEvent> again = new ArrayList<>(uses(0, 20));
    AuditEvent retry = uses(5, 1).get(0);
    again.add(
        new AuditEvent(
            retry.eventId(),
            retry.eventType(),
            retry.occurredAt(),
            retry.subject(),
            retry.clientId(),
            retry.tokenId(),
            retry.grantId(),
            retry.audience(),
            retry.grantType(),
            retry.scopes(),
            retry.decision(),
            retry.reason(),
            retry.policyId(),
            retry.policyVersion(),
            retry.actor(),
            retry.expiresAt(),
            retry.sourceTopic(),
            0,
            25,
            retry.json()));
    again.addAll(uses(20, 5));

    AppendResult result = store.append(again, Map.of(USED_0, 26L));

    assertThat(result.stored()).isEqualTo(5);
    assertThat(result.duplicates()).isEqualTo(21);
    assertThat(store.count()).isEqualTo(25);
    assertThat(store.partitions().get(USED_0).nextOffset()).isEqualTo(26);
    assertThat(store.partitions().get(USED_0).chainLength()).isEqualTo(25);
    assertThat(verify().findings()).isEmpty();
  }

  @Test
  void shouldLeaveNothingOfABatchThatCrashedBeforeCommitAndResumeFromStoredOffsets() {
    store.append(uses(0, 10), Map.of(USED_0, 10L));
    store.beforeCommit(
        () -> {
          throw new IllegalStateException("killed between append and commit");
        });

    assertThatThrownBy(() -> store.append(uses(10, 10), Map.of(USED_0, 20L)))
        .isInstanceOf(StoreException.class);
    store.beforeCommit(null);
    assertThat(store.count()).isEqualTo(10);

    store.close();
    store = AuditStore.openReadWrite(location());
    long resumeFrom = store.partitions().get(USED_0).nextOffset();
    assertThat(resumeFrom).isEqualTo(10);
    store.append(uses((int) resumeFrom, 10), Map.of(USED_0, 20L));

    assertThat(store.count()).isEqualTo(20);
    assertThat(store.partitions().get(USED_0).chainLength()).isEqualTo(20);
    assertThat(verify().findings()).isEmpty();
  }

  void sealed(int records) {
    store.append(uses(0, records), Map.of(USED_0, (long) records));
    store.checkpoint(signer, 1);
  }

  @Test
  void shouldFindAModifiedRow() throws SQLException {
    sealed(30);
    sql("UPDATE audit_events SET subject = 'mallory' WHERE event_id = 'use-12'");

    assertThat(verify().findings()).containsExactly(new Finding.Altered(USED_0, 12, "use-12"));
  }

  @Test
  void shouldFindAModifiedPayload() throws SQLException {
    sealed(30);
    sql("UPDATE audit_events SET payload = '{}' WHERE event_id = 'use-3'");

    assertThat(verify().findings()).containsExactly(new Finding.Altered(USED_0, 3, "use-3"));
  }

  @Test
  void shouldFindADeletedRow() throws SQLException {
    sealed(30);
    sql("DELETE FROM audit_events WHERE event_id = 'use-7'");

    assertThat(verify().findings()).containsExactly(new Finding.Missing(USED_0, 7, 7));
  }

  @Test
  void shouldFindDeletedNewestRowsThatACheckpointSealed() throws SQLException {
    sealed(30);
    sql("DELETE FROM audit_events WHERE chain_seq >= 27");

    assertThat(verify().findings()).containsExactly(new Finding.Missing(USED_0, 27, 29));
  }

  @Test
  void shouldFindAnInsertedRow() throws SQLException {
    assumeTrue(onDuckDb(), "DuckDB only");
    sealed(30);
    sql(
        "INSERT INTO audit_events SELECT 'forged', event_type, occurred_at, subject, client_id,"
            + " token_id, grant_id, audience, grant_type, scope, decision, reason, policy_id,"
            + " policy_version, actor, expires_at, source_topic, source_partition,"
            + " source_offset, payload, chain_seq, prev_hash, hash, gen_random_uuid()"
            + " FROM audit_events WHERE event_id = 'use-9'");

    assertThat(verify().findings()).hasSize(1).first().isInstanceOf(Finding.Inserted.class);
  }

  @Test
  void shouldFindReorderedRows() throws SQLException {
    assumeTrue(onDuckDb(), "DuckDB only");
    sealed(30);
    sql(
        "UPDATE audit_events SET chain_seq = CASE chain_seq WHEN 4 THEN 5 ELSE 4 END"
            + " WHERE chain_seq IN (4, 5)");

    assertThat(verify().findings())
        .containsExactly(new Finding.Reordered(USED_0, 5, "use-4", 4, 5));
  }

  @Test
  void shouldFindAForgedCheckpoint() throws SQLException {
    sealed(30);
    sql(
        "UPDATE audit_checkpoints SET heads = replace(heads, '\t29\t', '\t28\t')"
            + " WHERE number = 1");

    assertThat(verify().findings())
        .containsExactly(
            new Finding.ForgedCheckpoint(
                1, "signature does not verify with key " + signer.keyId()));
  }

  @Test
  void shouldFindAHistoryRewrittenWithConsistentHashesThroughItsCheckpoint() throws SQLException {
    sealed(30);
    // an attacker who rewrites a row and re-chains everything after it (no key needed)
    store.close();
    store = AuditStore.openReadWrite(location());
    sql("DELETE FROM audit_events");
    sql("DELETE FROM audit_partitions");
    store.close();
    store = AuditStore.openReadWrite(location());
    List<AuditEvent> rewritten = uses(0, 30);
    AuditEvent victim = rewritten.get(12);
    rewritten.set(
        12,
        new AuditEvent(
            victim.eventId(),
            victim.eventType(),
            victim.occurredAt(),
            "mallory",
            victim.clientId(),
            victim.tokenId(),
            victim.grantId(),
            victim.audience(),
            victim.grantType(),
            victim.scopes(),
            victim.decision(),
            victim.reason(),
            victim.policyId(),
            victim.policyVersion(),
            victim.actor(),
            victim.expiresAt(),
            victim.sourceTopic(),
            victim.sourcePartition(),
            victim.sourceOffset(),
            victim.json()));
    store.append(rewritten, Map.of(USED_0, 30L));

    assertThat(verify().findings()).containsExactly(new Finding.CheckpointMismatch(1, USED_0, 29));
  }

  @Test
  void shouldVerifyAChainStoredOutOfPositionOrderAndStillFindItsTampering() throws SQLException {
    sealed(30);
    // the same rows, rewritten in reverse order: nothing altered, only their storage order
    sql("CREATE TABLE reversed AS SELECT * FROM audit_events ORDER BY chain_seq DESC");
    sql("DELETE FROM audit_events");
    sql("INSERT INTO audit_events SELECT * FROM reversed");
    sql("DROP TABLE reversed");

    assertThat(verify().verifies()).isTrue();
    assertThat(verify().records()).isEqualTo(30);

    sql("UPDATE audit_events SET subject = 'mallory' WHERE event_id = 'use-12'");
    assertThat(verify().findings()).containsExactly(new Finding.Altered(USED_0, 12, "use-12"));
  }

  @Test
  void shouldKeyEventsByTheSameDigestInJavaAndSql() throws SQLException {
    assumeTrue(onDuckDb(), "DuckDB only");
    EventKey key = new EventKey();
    for (String id :
        List.of("use-1", "0b6f1f4e-7d1a-4c39-9a0e-2f5d8c1b3a01", "ünïcode ✓", "x".repeat(300))) {
      try (Statement s = store.connection().createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT (" + Schema.KEY_SQL.replace("event_id", "'" + id + "'") + ")::VARCHAR")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo(key.of(id).toString());
      }
    }
    assertThat(key.of("a")).isNotEqualTo(key.of("b"));
  }

  @Test
  void shouldMoveAStoreKeyedByTextIdToTheDigestKeyAndKeepItVerifiable() throws SQLException {
    assumeTrue(onDuckDb(), "DuckDB only");
    sealed(30);
    // rebuild the first layout: event_id the primary key, no event_key
    sql(
        "CREATE TABLE old_events AS SELECT * EXCLUDE (event_key) FROM audit_events"
            + " ORDER BY chain_seq");
    sql("DROP TABLE audit_events");
    sql(
        Schema.DDL
            .get(0)
            .replace("event_id VARCHAR NOT NULL,", "event_id VARCHAR NOT NULL PRIMARY KEY,")
            .replaceAll(",\\s*event_key UUID NOT NULL PRIMARY KEY", ""));
    sql("INSERT INTO audit_events SELECT * FROM old_events");
    sql("DROP TABLE old_events");
    store.close();

    store = AuditStore.openReadWrite(location());

    assertThat(verify().verifies()).isTrue();
    assertThat(verify().records()).isEqualTo(30);
    assertThat(store.append(uses(25, 10), Map.of(USED_0, 35L))).isEqualTo(new AppendResult(5, 5));
    assertThat(store.count()).isEqualTo(35);
  }

  @Test
  void shouldKeepTheOnDiskSchemaThatExistingStoresHave() throws SQLException {
    assumeTrue(onDuckDb(), "DuckDB only");
    // Stores already on disk were written with exactly these tables and columns; a change here
    // needs a migration in Migrations, not an edit of Schema.DDL.
    List<String> columns = new ArrayList<>();
    try (Statement s = store.connection().createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT table_name || '.' || column_name || ' ' || data_type"
                    + " || CASE WHEN is_nullable = 'NO' THEN ' NOT NULL' ELSE '' END"
                    + " FROM information_schema.columns WHERE table_schema = 'main'"
                    + " ORDER BY table_name, ordinal_position")) {
      while (rs.next()) {
        columns.add(rs.getString(1));
      }
    }
    assertThat(columns)
        .containsExactly(
            "audit_checkpoints.number BIGINT NOT NULL",
            "audit_checkpoints.created_at TIMESTAMP NOT NULL",
            "audit_checkpoints.previous_digest VARCHAR NOT NULL",
            "audit_checkpoints.key_id VARCHAR NOT NULL",
            "audit_checkpoints.heads VARCHAR NOT NULL",
            "audit_checkpoints.records BIGINT NOT NULL",
            "audit_checkpoints.signature BLOB NOT NULL",
            "audit_events.event_id VARCHAR NOT NULL",
            "audit_events.event_type VARCHAR NOT NULL",
            "audit_events.occurred_at TIMESTAMP_MS NOT NULL",
            "audit_events.subject VARCHAR",
            "audit_events.client_id VARCHAR",
            "audit_events.token_id VARCHAR",
            "audit_events.grant_id VARCHAR",
            "audit_events.audience VARCHAR",
            "audit_events.grant_type VARCHAR",
            "audit_events.scope VARCHAR NOT NULL",
            "audit_events.decision VARCHAR",
            "audit_events.reason VARCHAR",
            "audit_events.policy_id VARCHAR",
            "audit_events.policy_version VARCHAR",
            "audit_events.actor VARCHAR",
            "audit_events.expires_at TIMESTAMP_MS",
            "audit_events.source_topic VARCHAR NOT NULL",
            "audit_events.source_partition INTEGER NOT NULL",
            "audit_events.source_offset BIGINT NOT NULL",
            "audit_events.payload VARCHAR NOT NULL",
            "audit_events.chain_seq BIGINT NOT NULL",
            "audit_events.prev_hash BLOB NOT NULL",
            "audit_events.hash BLOB NOT NULL",
            "audit_events.event_key UUID NOT NULL",
            "audit_partitions.source_topic VARCHAR NOT NULL",
            "audit_partitions.source_partition INTEGER NOT NULL",
            "audit_partitions.next_offset BIGINT NOT NULL",
            "audit_partitions.chain_length BIGINT NOT NULL",
            "audit_partitions.head_hash BLOB NOT NULL");
  }

  @Test
  void shouldResumeTheChainsAndCheckpointCountOfAStoreReopened() {
    store.append(uses(0, 10), Map.of(USED_0, 10L));
    store.checkpoint(signer, 1_000);
    store.append(uses(10, 5), Map.of(USED_0, 15L));
    store.close();

    store = AuditStore.openReadWrite(location());

    assertThat(store.partitions().get(USED_0).chainLength()).isEqualTo(15);
    assertThat(store.partitions().get(USED_0).nextOffset()).isEqualTo(15);
    assertThat(store.appendedSinceCheckpoint()).isEqualTo(5);
    assertThat(store.lastCheckpoint()).hasValueSatisfying(c -> assertThat(c.number()).isEqualTo(1));
    assertThat(store.checkpoint(signer, 2_000))
        .hasValueSatisfying(c -> assertThat(c.records()).isEqualTo(15));
    assertThat(verify().verifies()).isTrue();
  }
}
