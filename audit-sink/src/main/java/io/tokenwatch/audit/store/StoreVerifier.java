package io.tokenwatch.audit.store;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.audit.CanonicalRecord;
import io.tokenwatch.audit.ChainKey;
import io.tokenwatch.audit.ChainVerifier;
import io.tokenwatch.audit.Checkpoint;
import io.tokenwatch.audit.HistoryVerifier;
import io.tokenwatch.audit.VerificationReport;
import java.security.PublicKey;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Recomputes every chain of a store and checks it against the signed checkpoints.
 *
 * <p>One sequential scan, without sorting, reads every row with its canonical bytes as computed by
 * the database and dispatches it to its chain's {@link ChainVerifier}: rows are appended in chain
 * order and a plain scan returns them in insertion order, so each chain arrives in position order.
 * That is checked row by row (each chain's positions must run 0, 1, 2, ...); a chain whose rows
 * arrive otherwise (a row deleted, inserted or moved, or a store rewritten in another order) stops
 * being fed and is verified again on its own, read in position order ({@link
 * AuditStore#verifyChain}), so its finding is as precise as ever. With two or more threads, one
 * reads while another hashes.
 *
 * <p>Each row comes as one value (its links and its canonical bytes, from which its position, id
 * and source are read back): JDBC's cost is per value, so this reads several times faster than the
 * same data as separate columns.
 */
public final class StoreVerifier {

  private static final int BATCH = 2048;

  private StoreVerifier() {}

  /**
   * Verifies the whole history of {@code store} against checkpoints signed by {@code key}.
   *
   * @throws StoreException if the store cannot be read
   */
  public static VerificationReport verify(AuditStore store, PublicKey key, int threads) {
    requireNonNull(store, "store");
    requireNonNull(key, "key");
    List<Checkpoint> checkpoints = store.checkpoints();
    Map<ChainKey, Set<Long>> watched = HistoryVerifier.watchedSeqs(checkpoints);
    Hasher hasher = new Hasher(store, watched);
    try (hasher) {
      if (threads <= 1) {
        store.scanForVerification(BATCH, hasher::accept);
      } else {
        scanWhileHashing(store, hasher);
      }
    }
    Map<ChainKey, ChainVerifier> verifiers = new TreeMap<>();
    List<ChainKey> again = new ArrayList<>();
    for (Map.Entry<ChainKey, Hasher.Chain> chain : hasher.chains.entrySet()) {
      if (chain.getValue().disordered || hasher.unreadable) {
        again.add(chain.getKey());
      } else {
        verifiers.put(chain.getKey(), chain.getValue().verifier);
      }
    }
    if (hasher.unreadable) {
      // a row whose canonical bytes do not read back: verify every chain the careful way
      again = store.chains();
      verifiers.clear();
    }
    for (Map.Entry<ChainKey, Set<Long>> chain : watched.entrySet()) {
      if (!verifiers.containsKey(chain.getKey()) && !again.contains(chain.getKey())) {
        verifiers.put(chain.getKey(), new ChainVerifier(chain.getKey(), chain.getValue()));
      }
    }
    for (ChainVerifier verifier : inPositionOrder(store, again, watched, threads)) {
      verifiers.put(verifier.chain(), verifier);
    }
    return HistoryVerifier.report(verifiers.values(), checkpoints, key);
  }

  /** Reads on this thread while {@code hasher} hashes on another, batches handed over a queue. */
  private static void scanWhileHashing(AuditStore store, Hasher hasher) {
    BlockingQueue<List<byte[]>> queue = new ArrayBlockingQueue<>(16);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<?> hashing =
          pool.submit(
              () -> {
                while (true) {
                  List<byte[]> batch = queue.take();
                  if (batch.isEmpty()) {
                    return null;
                  }
                  hasher.accept(batch);
                }
              });
      try {
        store.scanForVerification(BATCH, batch -> put(queue, batch, hashing));
      } finally {
        put(queue, List.of(), hashing);
      }
      hashing.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("verification interrupted", e);
    } catch (ExecutionException e) {
      throw failure(e);
    } finally {
      pool.shutdownNow();
    }
  }

  private static void put(
      BlockingQueue<List<byte[]>> queue, List<byte[]> batch, Future<?> hashing) {
    try {
      while (!queue.offer(batch, 100, TimeUnit.MILLISECONDS)) {
        if (hashing.isDone()) {
          hashing.get(); // the hasher failed: stop reading
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("verification interrupted", e);
    } catch (ExecutionException e) {
      throw failure(e);
    }
  }

  private static StoreException failure(ExecutionException e) {
    Throwable cause = e.getCause() == null ? e : e.getCause();
    if (cause instanceof StoreException se) {
      return se;
    }
    return new StoreException("verification failed: " + cause, cause);
  }

  /** Feeds scanned rows to their chains' verifiers. Not thread-safe. */
  private static final class Hasher implements AutoCloseable {

    /** One chain's verifier and the position its next row must have. */
    private static final class Chain {
      final ChainVerifier verifier;
      long next;
      boolean disordered;

      Chain(ChainVerifier verifier) {
        this.verifier = verifier;
      }
    }

    private static final int HASHES = 64;

    private final AuditStore store;
    private final Map<ChainKey, Set<Long>> watched;
    private final Map<ChainKey, Chain> chains = new LinkedHashMap<>();
    private boolean unreadable;
    private @Nullable RecordLookup lookup;
    private @Nullable AuditStore lookupStore;

    Hasher(AuditStore store, Map<ChainKey, Set<Long>> watched) {
      this.store = store;
      this.watched = watched;
    }

    void accept(List<byte[]> batch) {
      if (unreadable) {
        return;
      }
      for (byte[] row : batch) {
        Optional<CanonicalRecord> parsed =
            row.length < HASHES
                ? Optional.empty()
                : CanonicalRecord.parse(row, HASHES, row.length - HASHES);
        if (parsed.isEmpty()) {
          unreadable = true;
          return;
        }
        CanonicalRecord record = parsed.get();
        Chain chain = chains.get(record.chain());
        if (chain == null) {
          chain =
              new Chain(
                  new ChainVerifier(
                      record.chain(), watched.getOrDefault(record.chain(), Set.of())));
          chains.put(record.chain(), chain);
        }
        if (chain.disordered) {
          continue;
        }
        if (record.seq() != chain.next) {
          // not in position order here: verify this chain again, read in order
          chain.disordered = true;
          continue;
        }
        chain.next++;
        String eventId = record.eventId();
        chain.verifier.accept(
            record.seq(),
            record.offset(),
            eventId,
            Arrays.copyOfRange(row, 0, 32),
            Arrays.copyOfRange(row, 32, HASHES),
            row,
            HASHES,
            row.length - HASHES,
            () -> lookup().find(eventId));
      }
    }

    private RecordLookup lookup() {
      RecordLookup current = lookup;
      if (current == null) {
        AuditStore reader = store.duplicate();
        lookupStore = reader;
        try {
          current = new RecordLookup(reader.connection());
        } catch (SQLException e) {
          throw new StoreException("cannot read records: " + e.getMessage(), e);
        }
        lookup = current;
      }
      return current;
    }

    @Override
    public void close() {
      RecordLookup current = lookup;
      AuditStore reader = lookupStore;
      try {
        if (current != null) {
          current.close();
        }
      } catch (SQLException e) {
        // closing a read statement: nothing to keep
      } finally {
        if (reader != null) {
          reader.close();
        }
      }
    }
  }

  /** Verifies {@code chains} each on its own, read in position order, in parallel. */
  private static List<ChainVerifier> inPositionOrder(
      AuditStore store, List<ChainKey> chains, Map<ChainKey, Set<Long>> watched, int threads) {
    List<ChainVerifier> verifiers = new ArrayList<>();
    if (chains.isEmpty()) {
      return verifiers;
    }
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads));
    try {
      List<Future<ChainVerifier>> futures = new ArrayList<>();
      for (ChainKey chain : chains) {
        futures.add(
            pool.submit(
                () -> {
                  ChainVerifier verifier =
                      new ChainVerifier(chain, watched.getOrDefault(chain, Set.of()));
                  try (AuditStore reader = store.duplicate()) {
                    reader.verifyChain(verifier);
                  }
                  return verifier;
                }));
      }
      for (Future<ChainVerifier> future : futures) {
        verifiers.add(future.get());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("verification interrupted", e);
    } catch (ExecutionException e) {
      throw failure(e);
    } finally {
      pool.shutdownNow();
    }
    return verifiers;
  }
}
