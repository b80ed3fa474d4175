package io.tokenwatch.audit.store;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.audit.AuditEvent;
import io.tokenwatch.audit.ChainKey;
import io.tokenwatch.audit.ChainVerifier;
import io.tokenwatch.audit.Checkpoint;
import io.tokenwatch.audit.CheckpointSigner;
import io.tokenwatch.audit.StoredRecord;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The audit store: the events, the per-partition consumer positions and chain heads, and the signed
 * checkpoints, in one DuckDB database file or in a PostgreSQL database ({@link StoreLocation}).
 *
 * <p>A DuckDB file is opened read-write by exactly one process (the sink), or read-only by any
 * number of readers while no writer holds it. A PostgreSQL store is shared: several sinks write it,
 * each appending only to the chains of the source partitions it consumes, and readers query it
 * while they do. {@link #append} stores a batch, its chain links and the consumer positions in one
 * transaction, so a crash at any point leaves either all of a batch or none of it; on PostgreSQL
 * the transaction commits only if every chain it extends still ends where this store last read it
 * (else {@link ChainFencedException}). Not thread-safe: one thread uses a store; parallel readers
 * take {@link #duplicate()}.
 *
 * <p>A facade over one connection: {@link StoreFiles} opens it, {@link Migrations} brings the
 * schema up to date, {@link BatchAppender} writes, {@link Checkpoints} seals and {@link
 * ChainReader} reads the chains back; {@link ChainHeads} is the state they share.
 */
public final class AuditStore implements AutoCloseable {

  private final Connection connection;
  private final Dialect dialect;
  private final boolean readOnly;
  private final StoreLocation location;
  private final ChainHeads heads = new ChainHeads();
  private final BatchAppender appender;
  private final Checkpoints checkpoints;
  private final ChainReader reader;

  private AuditStore(
      Connection connection, Dialect dialect, boolean readOnly, StoreLocation location) {
    this.connection = connection;
    this.dialect = dialect;
    this.readOnly = readOnly;
    this.location = location;
    this.appender = new BatchAppender(connection, dialect, heads);
    this.checkpoints = new Checkpoints(connection, dialect);
    this.reader = new ChainReader(connection);
  }

  /**
   * Opens (creating if needed) the store read-write, as the sink does.
   *
   * @throws StoreLockedException if another process holds the file
   * @throws StoreException if the file cannot be opened
   */
  public static AuditStore openReadWrite(Path file) {
    requireNonNull(file, "file");
    return openReadWrite(new StoreLocation.DuckDbFile(file));
  }

  /**
   * Opens (creating the schema if needed) the store at {@code location} read-write, as the sink
   * does.
   *
   * @throws StoreLockedException if another process holds a DuckDB file
   * @throws StoreException if the store cannot be opened
   */
  public static AuditStore openReadWrite(StoreLocation location) {
    requireNonNull(location, "location");
    AuditStore store = connect(location, false);
    try {
      store.dialect.migrate(store.connection);
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
    return openReadOnly(new StoreLocation.DuckDbFile(file));
  }

  /**
   * Opens an existing store read-only, as the CLI does. On PostgreSQL the reads of one store run in
   * one read-only transaction, so large results stream.
   *
   * @throws StoreLockedException if a running sink holds a DuckDB file read-write
   * @throws StoreException if the store does not exist or cannot be opened
   */
  public static AuditStore openReadOnly(StoreLocation location) {
    requireNonNull(location, "location");
    AuditStore store = connect(location, true);
    try {
      store.load();
      return store;
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /** An empty DuckDB store in memory, read-write, gone when closed. */
  static AuditStore inMemory() {
    try {
      Connection connection = java.sql.DriverManager.getConnection("jdbc:duckdb:");
      AuditStore store =
          new AuditStore(
              connection, Dialect.DUCKDB, false, new StoreLocation.DuckDbFile(Path.of(":memory:")));
      Dialect.DUCKDB.migrate(connection);
      return store;
    } catch (SQLException e) {
      throw new StoreException("cannot open an in-memory store: " + e.getMessage(), e);
    }
  }

  private static AuditStore connect(StoreLocation location, boolean readOnly) {
    if (location instanceof StoreLocation.Postgres postgres) {
      return new AuditStore(
          PostgresSchema.connect(postgres, readOnly), Dialect.POSTGRES, readOnly, location);
    }
    Path file = ((StoreLocation.DuckDbFile) location).file();
    return new AuditStore(
        readOnly ? StoreFiles.openReadOnly(file) : StoreFiles.openReadWrite(file),
        Dialect.DUCKDB,
        readOnly,
        location);
  }

  private void load() {
    heads.load(connection, location.toString());
    checkpoints.load(heads.records());
  }

  /**
   * Reads every partition's committed state again, as another sink sharing the store may have moved
   * it: before seeking newly assigned partitions, and after a batch was refused.
   *
   * @throws StoreException if the store cannot be read
   */
  public void reloadPartitions() {
    heads.load(connection, location.toString());
  }

  /** The committed state of every source partition seen, sorted. */
  public Map<ChainKey, PartitionState> partitions() {
    return heads.view();
  }

  /** Where the store is. */
  public StoreLocation location() {
    return location;
  }

  /** The SQL dialect, for the query classes of this package. */
  Dialect dialect() {
    return dialect;
  }

  /** Runs {@code hook} after a batch is written and before it commits (for crash tests). */
  void beforeCommit(@Nullable Runnable hook) {
    appender.beforeCommit(hook);
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
   * @throws ChainFencedException if another sink extended one of the batch's chains since this
   *     store read it (nothing was stored; the partitions are read again)
   * @throws StoreException if the batch cannot be stored (nothing was)
   */
  public AppendResult append(List<AuditEvent> events, Map<ChainKey, Long> nextOffsets) {
    requireNonNull(events, "events");
    requireNonNull(nextOffsets, "nextOffsets");
    requireWritable();
    AppendResult result = appender.append(events, nextOffsets);
    checkpoints.appended(result.stored());
    return result;
  }

  /** Records appended since the last checkpoint. */
  public long appendedSinceCheckpoint() {
    return checkpoints.appendedSinceLast();
  }

  /** The last checkpoint written, if any. */
  public Optional<Checkpoint> lastCheckpoint() {
    return checkpoints.last();
  }

  /**
   * Signs every chain head as the next checkpoint and stores it, if anything was appended since the
   * last one (or none exists yet and the store holds records). The heads and the last checkpoint
   * are read from the store, under a lock on PostgreSQL, so sinks sharing a store extend one
   * sequence of checkpoints: whichever seals first signs every chain, and the other finds nothing
   * new or signs what was appended since.
   *
   * @return the checkpoint written, or empty if there was nothing new to seal
   */
  public Optional<Checkpoint> checkpoint(CheckpointSigner signer, long nowMillis) {
    requireNonNull(signer, "signer");
    requireWritable();
    return checkpoints.seal(signer, nowMillis);
  }

  /** Every stored checkpoint, by number. */
  public List<Checkpoint> checkpoints() {
    return checkpoints.all();
  }

  /** Every chain that has stored records, sorted. */
  public List<ChainKey> chains() {
    return reader.chains();
  }

  /** Streams one chain's records in position order. */
  public void forEachInChain(ChainKey chain, Consumer<StoredRecord> action) {
    requireNonNull(chain, "chain");
    requireNonNull(action, "action");
    reader.forEachInChain(chain, action);
  }

  /**
   * Feeds one chain to {@code verifier} in position order, reading each row's canonical bytes as
   * computed by the database and the full row only where those do not match its hash.
   */
  public void verifyChain(ChainVerifier verifier) {
    requireNonNull(verifier, "verifier");
    reader.verifyChain(verifier);
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
    reader.scanForVerification(batchSize, batches);
  }

  /** The number of stored events. */
  public long count() {
    return reader.count();
  }

  /** A second connection to the same database, for a parallel reader. Close it after use. */
  public AuditStore duplicate() {
    try {
      Connection second =
          location instanceof StoreLocation.Postgres postgres
              ? PostgresSchema.connect(postgres, readOnly)
              : dialect.duplicate(connection);
      AuditStore copy = new AuditStore(second, dialect, readOnly, location);
      copy.heads.putAll(heads.view());
      copy.checkpoints.startFrom(checkpoints);
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
