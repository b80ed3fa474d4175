package io.tokenwatch.audit.store;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.audit.ChainKey;
import io.tokenwatch.audit.ChainVerifier;
import io.tokenwatch.audit.Checkpoint;
import io.tokenwatch.audit.HistoryVerifier;
import io.tokenwatch.audit.VerificationReport;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Recomputes every chain of a store and checks it against the signed checkpoints. Chains are
 * verified in parallel, one connection and thread each (up to {@code threads}).
 */
public final class StoreVerifier {

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
    List<ChainKey> chains = new ArrayList<>(store.chains());
    for (ChainKey chain : watched.keySet()) {
      if (!chains.contains(chain)) {
        chains.add(chain);
      }
    }
    List<ChainVerifier> verifiers = new ArrayList<>();
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
      Throwable cause = e.getCause();
      if (cause instanceof StoreException se) {
        throw se;
      }
      throw new StoreException("verification failed: " + cause, cause);
    } finally {
      pool.shutdownNow();
    }
    return HistoryVerifier.report(verifiers, checkpoints, key);
  }
}
