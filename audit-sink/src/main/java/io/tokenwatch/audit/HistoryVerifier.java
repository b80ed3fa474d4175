package io.tokenwatch.audit;

import static java.util.Objects.requireNonNull;

import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Combines verified chains with the signed checkpoints into a {@link VerificationReport}.
 * Stateless.
 */
public final class HistoryVerifier {

  private HistoryVerifier() {}

  /** The positions each chain's verifier must watch: every head any checkpoint signed. */
  public static Map<ChainKey, Set<Long>> watchedSeqs(List<Checkpoint> checkpoints) {
    Map<ChainKey, Set<Long>> watched = new HashMap<>();
    for (Checkpoint checkpoint : checkpoints) {
      for (ChainHead head : checkpoint.heads()) {
        watched.computeIfAbsent(head.chain(), k -> new HashSet<>()).add(head.seq());
      }
    }
    return watched;
  }

  /**
   * The report for chains already fed all their records, checked against {@code checkpoints}
   * (sorted by number) signed by {@code key}.
   */
  public static VerificationReport report(
      Collection<ChainVerifier> chains, List<Checkpoint> checkpoints, PublicKey key) {
    requireNonNull(chains, "chains");
    requireNonNull(checkpoints, "checkpoints");
    requireNonNull(key, "key");
    List<Finding> findings = new ArrayList<>();
    Map<ChainKey, ChainVerifier> byChain = new HashMap<>();
    long records = 0;
    for (ChainVerifier chain : chains) {
      byChain.put(chain.chain(), chain);
      records += chain.verified();
      chain.finding().ifPresent(findings::add);
    }
    String expectedKeyId = CheckpointSigner.keyId(key);
    String previousDigest = Checkpoint.GENESIS_DIGEST;
    long expectedNumber = 1;
    Map<ChainKey, Long> sealed = new HashMap<>();
    for (Checkpoint checkpoint : checkpoints) {
      if (checkpoint.number() != expectedNumber) {
        findings.add(
            new Finding.ForgedCheckpoint(
                checkpoint.number(),
                "expected checkpoint " + expectedNumber + " (a checkpoint was removed or added)"));
      } else if (!checkpoint.keyId().equals(expectedKeyId)
          || !CheckpointSigner.isSignedBy(checkpoint, key)) {
        findings.add(
            new Finding.ForgedCheckpoint(
                checkpoint.number(), "signature does not verify with key " + expectedKeyId));
      } else if (!checkpoint.previousDigest().equals(previousDigest)) {
        findings.add(
            new Finding.ForgedCheckpoint(
                checkpoint.number(),
                "does not link to the digest of checkpoint " + (expectedNumber - 1)));
      } else {
        for (ChainHead head : checkpoint.heads()) {
          sealed.merge(head.chain(), head.seq() + 1, Math::max);
          ChainVerifier chain = byChain.get(head.chain());
          if (chain == null) {
            findings.add(new Finding.Missing(head.chain(), 0, head.seq()));
            continue;
          }
          if (chain.finding().isPresent()) {
            continue;
          }
          Optional<String> hash = chain.hashAt(head.seq());
          if (hash.isEmpty()) {
            findings.add(new Finding.Missing(head.chain(), chain.verified(), head.seq()));
          } else if (!hash.get().equals(head.hash())) {
            findings.add(
                new Finding.CheckpointMismatch(checkpoint.number(), head.chain(), head.seq()));
          }
        }
      }
      previousDigest = checkpoint.digest();
      expectedNumber = checkpoint.number() + 1;
    }
    long unsealed = 0;
    for (ChainVerifier chain : chains) {
      unsealed += Math.max(0, chain.verified() - sealed.getOrDefault(chain.chain(), 0L));
    }
    return new VerificationReport(
        records, chains.size(), checkpoints.size(), unsealed, dedupe(findings));
  }

  private static List<Finding> dedupe(List<Finding> findings) {
    return List.copyOf(new java.util.LinkedHashSet<>(findings));
  }
}
