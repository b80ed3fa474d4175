package io.tokenwatch.bench.validator;

import io.tokenwatch.validator.RevocationIndex;
import java.lang.ref.Reference;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;

/**
 * Heap bytes per revoked token id at 1 million entries, by used-heap deltas after GC: the packed
 * index against {@code ConcurrentHashMap<String, Boolean>} and {@code HashSet<UUID>}. The id
 * strings are generated on the fly and not retained, except where a structure keeps them.
 *
 * <p>Run: {@code java -Xmx2g -cp bench/target/benchmarks.jar
 * io.tokenwatch.bench.validator.IndexMemory}. Prints a Markdown table.
 */
public final class IndexMemory {

  private static final int SIZE = 1_000_000;

  private IndexMemory() {}

  public static void main(String[] args) throws InterruptedException {
    StringBuilder out = new StringBuilder("| structure | bytes per id |\n|---|---|\n");
    row(
        out,
        "RevocationIndex (packed 128-bit table)",
        n -> {
          RevocationIndex index = new RevocationIndex();
          for (int i = 0; i < n; i++) {
            index.put("token:" + UUID.randomUUID(), null);
          }
          return index;
        });
    row(
        out,
        "ConcurrentHashMap<String, Boolean>",
        n -> {
          ConcurrentHashMap<String, Boolean> map = new ConcurrentHashMap<>();
          for (int i = 0; i < n; i++) {
            map.put(UUID.randomUUID().toString(), Boolean.TRUE);
          }
          return map;
        });
    row(
        out,
        "HashSet<UUID>",
        n -> {
          Set<UUID> set = new HashSet<>();
          for (int i = 0; i < n; i++) {
            set.add(UUID.randomUUID());
          }
          return set;
        });
    System.out.print(out);
  }

  private static void row(StringBuilder out, String name, IntFunction<Object> build)
      throws InterruptedException {
    long before = usedAfterGc();
    Object built = build.apply(SIZE);
    long after;
    try {
      after = usedAfterGc();
    } finally {
      Reference.reachabilityFence(built);
    }
    out.append(
        String.format(Locale.ROOT, "| %s | %.1f |%n", name, (after - before) / (double) SIZE));
  }

  private static long usedAfterGc() throws InterruptedException {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return rt.totalMemory() - rt.freeMemory();
  }
}
