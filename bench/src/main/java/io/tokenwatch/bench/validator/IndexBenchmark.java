package io.tokenwatch.bench.validator;

import io.tokenwatch.validator.RevocationIndex;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Lookup time in a revocation index holding 1 million revoked token ids. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
public class IndexBenchmark {

  private static final int SIZE = 1_000_000;
  private static final int PROBES = 1 << 16;

  private RevocationIndex index;
  private String[] present;
  private String[] absent;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    index = new RevocationIndex();
    present = new String[PROBES];
    absent = new String[PROBES];
    for (int i = 0; i < SIZE; i++) {
      String id = UUID.randomUUID().toString();
      index.put("token:" + id, null);
      if (i < PROBES) {
        present[i] = id;
      }
    }
    for (int i = 0; i < PROBES; i++) {
      absent[i] = UUID.randomUUID().toString();
    }
  }

  /** A revoked id (found). */
  @Benchmark
  public boolean lookupRevoked() {
    return index.containsTokenId(present[next++ & (PROBES - 1)]);
  }

  /** A live id (not found): the common case. */
  @Benchmark
  public boolean lookupNotRevoked() {
    return index.containsTokenId(absent[next++ & (PROBES - 1)]);
  }
}
