package io.tokenwatch.audit.store;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.audit.AuditEvent;
import io.tokenwatch.audit.ChainHasher;
import io.tokenwatch.audit.ChainHead;
import io.tokenwatch.audit.ChainKey;
import io.tokenwatch.audit.ChainVerifier;
import io.tokenwatch.audit.Checkpoint;
import io.tokenwatch.audit.CheckpointSigner;
import io.tokenwatch.audit.StoredRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.jspecify.annotations.Nullable;

/**
 * The audit store: one DuckDB database file holding the events, the per-partition consumer
 * positions and chain heads, and the signed checkpoints.
 *
 * <p>Opened read-write by exactly one process (the sink), or read-only by any number of readers
 * while no writer holds it. {@link #append} stores a batch, its chain links and the consumer
 * positions in one transaction, so a crash at any point leaves either all of a batch or none of it.
 * Not thread-safe: one thread uses a store; parallel readers take {@link #duplicate()}.
 */
public final class AuditStore implements AutoCloseable {

  private static final int ID_CHUNK = 1000;

  /** Measured: 16MB (DuckDB's default) about 12k events/s, 256MB about 37k on a busy machine. */
  private static final String CHECKPOINT_THRESHOLD = "256MB";

  private final DuckDBConnection connection;
  private final boolean readOnly;
  private final Path file;
  private final Map<ChainKey, PartitionState> partitions = new TreeMap<>();
  private final EventKey eventKey = new EventKey();
  private @Nullable Runnable beforeCommit;
  private @Nullable Checkpoint lastCheckpoint;
  private long appendedSinceCheckpoint;

  private AuditStore(DuckDBConnection connection, boolean readOnly, Path file) {
    this.connection = connection;
    this.readOnly = readOnly;
    this.file = file;
  }

  /**
   * Opens (creating if needed) the store read-write, as the sink does.
   *
   * @throws StoreLockedException if another process holds the file
   * @throws StoreException if the file cannot be opened
   */
  public static AuditStore openReadWrite(Path file) {
    requireNonNull(file, "file");
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
    } catch (java.io.IOException e) {
      throw new StoreException("cannot create the directory of " + file, e);
    }
    AuditStore store = new AuditStore(connect(file, false), false, file);
    try {
      store.createSchema();
      store.load();
      return store;
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /**
   * Opens an existing store read-only, as the CLI does.
   *
   * @throws StoreLockedException if a running sink holds the file read-write
   * @throws StoreException if the file does not exist or cannot be opened
   */
  public static AuditStore openReadOnly(Path file) {
    requireNonNull(file, "file");
    if (!Files.isRegularFile(file)) {
      throw new StoreException("no audit store at " + file);
    }
    AuditStore store = new AuditStore(connect(file, true), true, file);
    try {
      store.load();
      return store;
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  private static DuckDBConnection connect(Path file, boolean readOnly) {
    Properties properties = new Properties();
    if (readOnly) {
      properties.setProperty("duckdb.read_only", "true");
    }
    properties.setProperty("jdbc_stream_results", "true");
    try {
      return (DuckDBConnection)
          DriverManager.getConnection("jdbc:duckdb:" + file.toAbsolutePath(), properties);
    } catch (SQLException e) {
      String message = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
      if (message.contains("lock") || message.contains("different configuration")) {
        throw new StoreLockedException(
            "the audit store "
                + file
                + " is held by another process (a running audit sink); query its HTTP API"
                + " instead (tokenwatch audit ... --url <sink> --access-token <token>)",
            e);
      }
      throw new StoreException("cannot open the audit store " + file + ": " + e.getMessage(), e);
    }
  }

  private void createSchema() {
    try (Statement statement = connection.createStatement()) {
      migrateTextKey(statement);
      for (String ddl : Schema.DDL) {
        statement.execute(ddl);
      }
      // fewer, larger checkpoints of the write-ahead log: appends are compressed at checkpoint
      statement.execute("SET checkpoint_threshold = '" + CHECKPOINT_THRESHOLD + "'");
    } catch (SQLException e) {
      throw new StoreException("cannot create the audit schema: " + e.getMessage(), e);
    }
  }

  /**
   * Moves a store whose primary key is the text {@code event_id} (the first layout) to the {@link
   * EventKey} layout, in one transaction: the rows are copied in chain order with their keys
   * computed by SQL (the same bytes as {@link EventKey}), so chains, hashes and checkpoints are
   * untouched.
   */
  private static void migrateTextKey(Statement statement) throws SQLException {
    boolean old;
    try (ResultSet rs =
        statement.executeQuery(
            "SELECT count(*) FILTER (WHERE column_name = 'event_key'), count(*)"
                + " FROM information_schema.columns WHERE table_schema = 'main'"
                + " AND table_name = 'audit_events'")) {
      rs.next();
      old = rs.getLong(2) > 0 && rs.getLong(1) == 0;
    }
    if (!old) {
      return;
    }
    statement.execute("BEGIN TRANSACTION");
    try {
      statement.execute("ALTER TABLE audit_events RENAME TO audit_events_text_key");
      statement.execute(Schema.DDL.get(0));
      statement.execute(
          "INSERT INTO audit_events SELECT *, "
              + Schema.KEY_SQL
              + " FROM audit_events_text_key"
              + " ORDER BY source_topic, source_partition, chain_seq, source_offset");
      statement.execute("DROP TABLE audit_events_text_key");
      statement.execute("COMMIT");
    } catch (SQLException e) {
      statement.execute("ROLLBACK");
      throw e;
    }
  }

  private void load() {
    partitions.clear();
    try (Statement statement = connection.createStatement();
        ResultSet rs =
            statement.executeQuery(
                "SELECT source_topic, source_partition, next_offset, chain_length, head_hash"
                    + " FROM audit_partitions")) {
      while (rs.next()) {
        ChainKey chain = new ChainKey(rs.getString(1), rs.getInt(2));
        partitions.put(
            chain, new PartitionState(chain, rs.getLong(3), rs.getLong(4), rs.getBytes(5)));
      }
    } catch (SQLException e) {
      throw new StoreException("cannot read the audit store " + file + ": " + e.getMessage(), e);
    }
    List<Checkpoint> checkpoints = checkpoints();
    lastCheckpoint = checkpoints.isEmpty() ? null : checkpoints.get(checkpoints.size() - 1);
    long sealed = lastCheckpoint == null ? 0 : lastCheckpoint.records();
    appendedSinceCheckpoint =
        partitions.values().stream().mapToLong(PartitionState::chainLength).sum() - sealed;
  }

  /** The committed state of every source partition seen, sorted. */
  public Map<ChainKey, PartitionState> partitions() {
    return Collections.unmodifiableMap(partitions);
  }

  /** The store file. */
  public Path file() {
    return file;
  }

  /** Runs {@code hook} after a batch is written and before it commits (for crash tests). */
  void beforeCommit(@Nullable Runnable hook) {
    this.beforeCommit = hook;
  }

  /**
   * Stores a batch exactly once: events whose id is already stored (or repeated in the batch) are
   * skipped and take no place in the chain; the rest are chained in the order given (per source
   * partition) and appended; {@code nextOffsets} (the position after the last consumed record of
   * each partition, duplicates and undecodable records included) is committed in the same
   * transaction. If anything fails, nothing of the batch is stored.
   *
   * @param events the decoded events, in consumption order
   * @param nextOffsets per partition, the offset to resume from after this batch
   * @throws StoreException if the batch cannot be stored (nothing was)
   */
  public AppendResult append(List<AuditEvent> events, Map<ChainKey, Long> nextOffsets) {
    requireNonNull(events, "events");
    requireNonNull(nextOffsets, "nextOffsets");
    requireWritable();
    // dedupe within the batch by key, telling a repeated id from a different id with its key
    List<AuditEvent> unique = new ArrayList<>(events.size());
    List<UUID> keys = new ArrayList<>(events.size());
    Map<UUID, String> inBatch = new HashMap<>(events.size() * 2);
    List<String> collisions = new ArrayList<>();
    for (AuditEvent event : events) {
      UUID key = eventKey.of(event.eventId());
      String holder = inBatch.putIfAbsent(key, event.eventId());
      if (holder == null) {
        unique.add(event);
        keys.add(key);
      } else if (!holder.equals(event.eventId())) {
        collisions.add(event.eventId());
      }
    }
    try {
      try {
        return write(
            unique,
            keys,
            events.size() - unique.size() - collisions.size(),
            collisions,
            nextOffsets);
      } catch (SQLException e) {
        rollbackQuietly();
        if (!isConstraintViolation(e)) {
          throw e;
        }
      }
      // Rare: an event id already stored (a producer retry or a replayed topic). Find them first.
      Map<UUID, String> existing = existingKeys(keys);
      List<AuditEvent> fresh = new ArrayList<>(unique.size());
      List<UUID> freshKeys = new ArrayList<>(unique.size());
      for (int i = 0; i < unique.size(); i++) {
        AuditEvent event = unique.get(i);
        String holder = existing.get(keys.get(i));
        if (holder == null) {
          fresh.add(event);
          freshKeys.add(keys.get(i));
        } else if (!holder.equals(event.eventId())) {
          collisions.add(event.eventId());
        }
      }
      return write(
          fresh,
          freshKeys,
          events.size() - fresh.size() - collisions.size(),
          collisions,
          nextOffsets);
    } catch (SQLException | RuntimeException e) {
      rollbackQuietly();
      throw e instanceof StoreException se
          ? se
          : new StoreException("cannot append to the audit store: " + e.getMessage(), e);
    }
  }

  private AppendResult write(
      List<AuditEvent> events,
      List<UUID> keys,
      int duplicates,
      List<String> collisions,
      Map<ChainKey, Long> nextOffsets)
      throws SQLException {
    connection.setAutoCommit(false);
    try (Statement begin = connection.createStatement()) {
      // the appender joins the transaction only once a statement has opened it
      begin.execute("SELECT 1");
    }
    Map<ChainKey, PartitionState> next = new HashMap<>();
    ChainHasher hasher = new ChainHasher();
    try (DuckDBAppender appender = connection.createAppender("main", "audit_events")) {
      for (int i = 0; i < events.size(); i++) {
        AuditEvent event = events.get(i);
        ChainKey chain = event.chain();
        PartitionState state = next.get(chain);
        if (state == null) {
          state = partitions.get(chain);
          if (state == null) {
            state = new PartitionState(chain, 0, 0, ChainHasher.genesis());
          }
        }
        long seq = state.chainLength();
        byte[] hash = hasher.hash(state.headHash(), seq, event);
        appendRow(appender, event, seq, state.headHash(), hash, keys.get(i));
        next.put(
            chain,
            new PartitionState(
                chain, Math.max(state.nextOffset(), event.sourceOffset() + 1), seq + 1, hash));
      }
      appender.flush();
    }
    for (Map.Entry<ChainKey, Long> position : nextOffsets.entrySet()) {
      ChainKey chain = position.getKey();
      PartitionState state = next.get(chain);
      if (state == null) {
        state = partitions.get(chain);
      }
      if (state == null) {
        state = new PartitionState(chain, 0, 0, ChainHasher.genesis());
      }
      next.put(
          chain,
          new PartitionState(
              chain,
              Math.max(state.nextOffset(), position.getValue()),
              state.chainLength(),
              state.headHash()));
    }
    try (PreparedStatement upsert =
        connection.prepareStatement(
            "INSERT OR REPLACE INTO audit_partitions VALUES (?, ?, ?, ?, ?)")) {
      for (PartitionState state : next.values()) {
        upsert.setString(1, state.chain().topic());
        upsert.setInt(2, state.chain().partition());
        upsert.setLong(3, state.nextOffset());
        upsert.setLong(4, state.chainLength());
        upsert.setBytes(5, state.headHash());
        upsert.addBatch();
      }
      upsert.executeBatch();
    }
    Runnable hook = beforeCommit;
    if (hook != null) {
      hook.run();
    }
    connection.commit();
    connection.setAutoCommit(true);
    partitions.putAll(next);
    appendedSinceCheckpoint += events.size();
    return new AppendResult(events.size(), duplicates, collisions);
  }

  private static void appendRow(
      DuckDBAppender appender, AuditEvent event, long seq, byte[] previous, byte[] hash, UUID key)
      throws SQLException {
    appender.beginRow();
    appender.append(event.eventId());
    appender.append(event.eventType());
    appender.appendEpochMillis(event.occurredAt());
    appendNullable(appender, event.subject());
    appendNullable(appender, event.clientId());
    appendNullable(appender, event.tokenId());
    appendNullable(appender, event.grantId());
    appendNullable(appender, event.audience());
    appendNullable(appender, event.grantType());
    appender.append(String.join(" ", event.scopes()));
    appendNullable(appender, event.decision());
    appendNullable(appender, event.reason());
    appendNullable(appender, event.policyId());
    appendNullable(appender, event.policyVersion());
    appendNullable(appender, event.actor());
    Long expiresAt = event.expiresAt();
    if (expiresAt == null) {
      appender.appendNull();
    } else {
      appender.appendEpochMillis(expiresAt);
    }
    appender.append(event.sourceTopic());
    appender.append(event.sourcePartition());
    appender.append(event.sourceOffset());
    appender.append(event.json());
    appender.append(seq);
    appender.append(previous);
    appender.append(hash);
    appender.appendUUID(key.getMostSignificantBits(), key.getLeastSignificantBits());
    appender.endRow();
  }

  private static void appendNullable(DuckDBAppender appender, @Nullable String value)
      throws SQLException {
    if (value == null) {
      appender.appendNull();
    } else {
      appender.append(value);
    }
  }

  private static boolean isConstraintViolation(SQLException e) {
    String message = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
    return message.contains("constraint") || message.contains("duplicate key");
  }

  /** The stored event id of each of {@code keys} that is stored. */
  private Map<UUID, String> existingKeys(List<UUID> keys) throws SQLException {
    connection.setAutoCommit(true);
    Map<UUID, String> existing = new HashMap<>();
    for (int from = 0; from < keys.size(); from += ID_CHUNK) {
      List<UUID> chunk = keys.subList(from, Math.min(keys.size(), from + ID_CHUNK));
      String marks = String.join(", ", Collections.nCopies(chunk.size(), "?::UUID"));
      try (PreparedStatement select =
          connection.prepareStatement(
              "SELECT event_key::VARCHAR, event_id FROM audit_events WHERE event_key IN ("
                  + marks
                  + ")")) {
        for (int i = 0; i < chunk.size(); i++) {
          select.setString(i + 1, chunk.get(i).toString());
        }
        try (ResultSet rs = select.executeQuery()) {
          while (rs.next()) {
            existing.put(UUID.fromString(rs.getString(1)), rs.getString(2));
          }
        }
      }
    }
    return existing;
  }

  private void rollbackQuietly() {
    try {
      if (!connection.getAutoCommit()) {
        connection.rollback();
        connection.setAutoCommit(true);
      }
    } catch (SQLException e) {
      // the connection is unusable; the next call reports it
    }
  }

  /** Records appended since the last checkpoint. */
  public long appendedSinceCheckpoint() {
    return appendedSinceCheckpoint;
  }

  /** The last checkpoint written, if any. */
  public Optional<Checkpoint> lastCheckpoint() {
    return Optional.ofNullable(lastCheckpoint);
  }

  /**
   * Signs every chain head as the next checkpoint and stores it, if anything was appended since the
   * last one (or none exists yet and the store holds records).
   *
   * @return the checkpoint written, or empty if there was nothing new to seal
   */
  public Optional<Checkpoint> checkpoint(CheckpointSigner signer, long nowMillis) {
    requireNonNull(signer, "signer");
    requireWritable();
    List<ChainHead> heads = new ArrayList<>();
    for (PartitionState state : partitions.values()) {
      if (state.chainLength() > 0) {
        heads.add(ChainHead.of(state.chain(), state.chainLength() - 1, state.headHash()));
      }
    }
    if (heads.isEmpty() || (lastCheckpoint != null && appendedSinceCheckpoint == 0)) {
      return Optional.empty();
    }
    Checkpoint previous = lastCheckpoint;
    Checkpoint checkpoint =
        signer.sign(
            previous == null ? 1 : previous.number() + 1,
            nowMillis,
            previous == null ? Checkpoint.GENESIS_DIGEST : previous.digest(),
            heads);
    insertCheckpoint(checkpoint);
    lastCheckpoint = checkpoint;
    appendedSinceCheckpoint = 0;
    return Optional.of(checkpoint);
  }

  private void insertCheckpoint(Checkpoint checkpoint) {
    try (PreparedStatement insert =
        connection.prepareStatement("INSERT INTO audit_checkpoints VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      insert.setLong(1, checkpoint.number());
      insert.setTimestamp(2, new Timestamp(checkpoint.createdAt()));
      insert.setString(3, checkpoint.previousDigest());
      insert.setString(4, checkpoint.keyId());
      insert.setString(5, CheckpointText.heads(checkpoint.heads()));
      insert.setLong(6, checkpoint.records());
      insert.setBytes(7, checkpoint.signature());
      insert.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException("cannot store checkpoint: " + e.getMessage(), e);
    }
  }

  /** Every stored checkpoint, by number. */
  public List<Checkpoint> checkpoints() {
    List<Checkpoint> checkpoints = new ArrayList<>();
    try (Statement statement = connection.createStatement();
        ResultSet rs =
            statement.executeQuery(
                "SELECT number, epoch_ms(created_at), previous_digest, key_id, heads, signature"
                    + " FROM audit_checkpoints ORDER BY number")) {
      while (rs.next()) {
        checkpoints.add(
            new Checkpoint(
                rs.getLong(1),
                rs.getLong(2),
                rs.getString(3),
                rs.getString(4),
                CheckpointText.parseHeads(rs.getString(5)),
                rs.getBytes(6)));
      }
    } catch (SQLException e) {
      throw new StoreException("cannot read checkpoints: " + e.getMessage(), e);
    }
    return checkpoints;
  }

  /** Every chain that has stored records, sorted. */
  public List<ChainKey> chains() {
    List<ChainKey> chains = new ArrayList<>();
    try (Statement statement = connection.createStatement();
        ResultSet rs =
            statement.executeQuery(
                "SELECT DISTINCT source_topic, source_partition FROM audit_events"
                    + " ORDER BY source_topic, source_partition")) {
      while (rs.next()) {
        chains.add(new ChainKey(rs.getString(1), rs.getInt(2)));
      }
    } catch (SQLException e) {
      throw new StoreException("cannot list chains: " + e.getMessage(), e);
    }
    return chains;
  }

  /** Streams one chain's records in position order. */
  public void forEachInChain(ChainKey chain, Consumer<StoredRecord> action) {
    requireNonNull(chain, "chain");
    requireNonNull(action, "action");
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT "
                + Schema.COLUMNS
                + " FROM audit_events WHERE source_topic = ? AND source_partition = ?"
                + " ORDER BY chain_seq, source_offset")) {
      select.setString(1, chain.topic());
      select.setInt(2, chain.partition());
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          action.accept(Rows.stored(rs));
        }
      }
    } catch (SQLException e) {
      throw new StoreException("cannot read chain " + chain + ": " + e.getMessage(), e);
    }
  }

  /**
   * Feeds one chain to {@code verifier} in position order, reading each row's canonical bytes as
   * computed by the database and the full row only where those do not match its hash.
   */
  public void verifyChain(ChainVerifier verifier) {
    requireNonNull(verifier, "verifier");
    ChainKey chain = verifier.chain();
    try (PreparedStatement select =
            connection.prepareStatement(
                "SELECT chain_seq, source_offset, event_id, prev_hash, hash, "
                    + CanonicalSql.EXPRESSION
                    + " FROM audit_events WHERE source_topic = ? AND source_partition = ?"
                    + " ORDER BY chain_seq, source_offset");
        RecordLookup lookup = new RecordLookup(connection)) {
      select.setString(1, chain.topic());
      select.setInt(2, chain.partition());
      try (ResultSet rs = select.executeQuery()) {
        boolean more = true;
        while (more && rs.next()) {
          String eventId = rs.getString(3);
          more =
              verifier.accept(
                  rs.getLong(1),
                  rs.getLong(2),
                  eventId,
                  rs.getBytes(4),
                  rs.getBytes(5),
                  rs.getBytes(6),
                  () -> lookup.find(eventId));
        }
      }
    } catch (SQLException e) {
      throw new StoreException("cannot read chain " + chain + ": " + e.getMessage(), e);
    }
  }

  /**
   * Streams every stored row in storage order, without sorting, to {@code batches} in lists of up
   * to {@code batchSize}, each row as one byte array: its stored {@code prev_hash} (32 bytes), its
   * stored {@code hash} (32 bytes), then its canonical bytes as computed by the database (which
   * carry its position, id, source topic, partition and offset). One value per row is what JDBC
   * delivers fastest. Rows are appended in chain order, and DuckDB returns a plain scan in
   * insertion order ({@code preserve_insertion_order}, on by default), so each chain normally
   * arrives in position order; the caller checks that it does.
   */
  public void scanForVerification(int batchSize, Consumer<List<byte[]>> batches) {
    requireNonNull(batches, "batches");
    try (Statement select = connection.createStatement();
        ResultSet rs =
            select.executeQuery(
                "SELECT prev_hash || hash || " + CanonicalSql.EXPRESSION + " FROM audit_events")) {
      List<byte[]> batch = new ArrayList<>(batchSize);
      while (rs.next()) {
        batch.add(rs.getBytes(1));
        if (batch.size() == batchSize) {
          batches.accept(batch);
          batch = new ArrayList<>(batchSize);
        }
      }
      if (!batch.isEmpty()) {
        batches.accept(batch);
      }
    } catch (SQLException e) {
      throw new StoreException("cannot scan the audit store: " + e.getMessage(), e);
    }
  }

  /** Reads stored records by event id through the key index. Not thread-safe; close after use. */
  static final class RecordLookup implements AutoCloseable {
    private final EventKey keys = new EventKey();
    private final PreparedStatement full;

    RecordLookup(Connection connection) throws SQLException {
      full =
          connection.prepareStatement(
              "SELECT "
                  + Schema.COLUMNS
                  + " FROM audit_events WHERE event_key = ?::UUID AND event_id = ?");
    }

    /** The record stored under {@code eventId}, or empty if none can be read as a valid one. */
    Optional<AuditEvent> find(String eventId) {
      try {
        full.setString(1, keys.of(eventId).toString());
        full.setString(2, eventId);
        try (ResultSet rs = full.executeQuery()) {
          return rs.next() ? Optional.of(Rows.event(rs)) : Optional.empty();
        }
      } catch (SQLException | RuntimeException e) {
        // unreadable as a record (e.g. a column edited to an invalid value): it cannot verify
        return Optional.empty();
      }
    }

    @Override
    public void close() throws SQLException {
      full.close();
    }
  }

  /** The number of stored events. */
  public long count() {
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT count(*) FROM audit_events")) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new StoreException("cannot count events: " + e.getMessage(), e);
    }
  }

  /** A second connection to the same database, for a parallel reader. Close it after use. */
  public AuditStore duplicate() {
    try {
      AuditStore copy = new AuditStore((DuckDBConnection) connection.duplicate(), readOnly, file);
      copy.partitions.putAll(partitions);
      copy.lastCheckpoint = lastCheckpoint;
      return copy;
    } catch (SQLException e) {
      throw new StoreException("cannot open a second connection: " + e.getMessage(), e);
    }
  }

  /** The JDBC connection, for the query classes of this package. */
  Connection connection() {
    return connection;
  }

  /** Whether opened read-only. */
  public boolean isReadOnly() {
    return readOnly;
  }

  private void requireWritable() {
    if (readOnly) {
      throw new IllegalStateException("the audit store is open read-only");
    }
  }

  @Override
  public void close() {
    try {
      connection.close();
    } catch (SQLException e) {
      throw new StoreException("cannot close the audit store: " + e.getMessage(), e);
    }
  }
}
