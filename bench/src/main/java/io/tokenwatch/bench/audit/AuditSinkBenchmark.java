package io.tokenwatch.bench.audit;

import io.tokenwatch.audit.AuditEvent;
import io.tokenwatch.audit.AuditFilter;
import io.tokenwatch.audit.ChainKey;
import io.tokenwatch.audit.CheckpointSigner;
import io.tokenwatch.audit.VerificationReport;
import io.tokenwatch.audit.kafka.EventMapper;
import io.tokenwatch.audit.store.AuditQueries;
import io.tokenwatch.audit.store.AuditStore;
import io.tokenwatch.audit.store.KeyFiles;
import io.tokenwatch.audit.store.StoreLocation;
import io.tokenwatch.audit.store.StoreVerifier;
import io.tokenwatch.events.BindingType;
import io.tokenwatch.events.ChannelBinding;
import io.tokenwatch.events.GrantType;
import io.tokenwatch.events.PolicyRef;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.events.UseDecision;
import io.tokenwatch.schemas.topic.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Measures the audit store: sustained ingest (events mapped from Avro records, batched appends with
 * their chain links and offsets in one transaction each), a query for one subject over the whole
 * store, full verification, and replay as JSON lines.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar io.tokenwatch.bench.audit.AuditSinkBenchmark
 * [events, default 10000000] [batch size, default 20000] [directory, default a temporary one]
 * [store, default the DuckDB file in that directory]} (0 events: query, verify and replay an
 * existing store; a store {@code postgresql://host:port/db?user=...} measures PostgreSQL, password
 * in {@code PGPASSWORD}). A benchmark, not a test: it prints its numbers and asserts nothing.
 * Ingest is reported per window of one million events (sustained = the slowest window) and overall.
 */
public final class AuditSinkBenchmark {

  private static final int SUBJECTS = 100_000;
  private static final int CLIENTS = 200;
  private static final int PARTITIONS = 6;
  private static final long T0 = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();

  private AuditSinkBenchmark() {}

  public static void main(String[] args) throws Exception {
    long events = args.length > 0 ? Long.parseLong(args[0]) : 10_000_000L;
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
    Path dir = args.length > 2 ? Path.of(args[2]) : Files.createTempDirectory("audit-bench");
    StoreLocation location =
        args.length > 3
            ? StoreLocation.parse(args[3], dir)
            : new StoreLocation.DuckDbFile(dir.resolve("audit.duckdb"));
    System.out.printf(
        "audit-sink benchmark: %,d events, batch %,d, store %s, %d cores%n",
        events, batch, location, Runtime.getRuntime().availableProcessors());
    KeyPair keys = KeyFiles.loadOrCreate(dir);
    try (AuditStore store = AuditStore.openReadWrite(location)) {
      if (events > 0) {
        ingest(store, keys, events, batch);
      }
      query(store);
      verify(store, keys);
      replay(store);
    } finally {
      System.out.printf("store file: %,d bytes%n", size(dir.resolve("audit.duckdb")));
    }
  }

  private static void ingest(AuditStore store, KeyPair keys, long events, int batch) {
    CheckpointSigner signer = new CheckpointSigner(keys);
    TokenIssued issued = issuedTemplate();
    TokenUsed used = usedTemplate();
    long[] offsets = new long[PARTITIONS * 2];
    List<AuditEvent> pending = new ArrayList<>(batch);
    Map<ChainKey, Long> next = new HashMap<>();
    long started = System.nanoTime();
    long windowStarted = started;
    long window = 1_000_000;
    double slowest = Double.MAX_VALUE;
    long appendNanos = 0;
    long checkpointNanos = 0;
    for (long i = 0; i < events; i++) {
      int subject = (int) (i % SUBJECTS);
      boolean issuance = i % 10 == 0;
      int partition = (int) ((i / 10) % PARTITIONS);
      int slot = issuance ? partition : PARTITIONS + partition;
      long offset = offsets[slot]++;
      String topic = issuance ? Topics.TOKEN_ISSUED.name() : Topics.TOKEN_USED.name();
      String token = "tok-" + (i / 10);
      long at = T0 + i;
      AuditEvent event;
      if (issuance) {
        issued.setEventId(UUID.randomUUID().toString());
        issued.setOccurredAt(Instant.ofEpochMilli(at));
        issued.setTokenId(token);
        issued.setSubject("subject-" + subject);
        issued.setClientId("client-" + (subject % CLIENTS));
        event = EventMapper.map(issued, topic, partition, offset);
      } else {
        used.setEventId(UUID.randomUUID().toString());
        used.setOccurredAt(Instant.ofEpochMilli(at));
        used.setTokenId(token);
        used.setSubject("subject-" + subject);
        used.setTokenClientId("client-" + (subject % CLIENTS));
        event = EventMapper.map(used, topic, partition, offset);
      }
      pending.add(event);
      next.put(event.chain(), offset + 1);
      if (pending.size() == batch) {
        long appendStarted = System.nanoTime();
        store.append(pending, next);
        appendNanos += System.nanoTime() - appendStarted;
        pending.clear();
        next.clear();
        if (store.appendedSinceCheckpoint() >= 100_000) {
          long checkpointStarted = System.nanoTime();
          store.checkpoint(signer, System.currentTimeMillis());
          checkpointNanos += System.nanoTime() - checkpointStarted;
        }
      }
      if ((i + 1) % window == 0) {
        long now = System.nanoTime();
        double rate = window / ((now - windowStarted) / 1e9);
        slowest = Math.min(slowest, rate);
        System.out.printf("  ingest window ending at %,d: %,.0f events/s%n", i + 1, rate);
        windowStarted = now;
      }
    }
    if (!pending.isEmpty()) {
      store.append(pending, next);
    }
    store.checkpoint(signer, System.currentTimeMillis());
    double seconds = (System.nanoTime() - started) / 1e9;
    System.out.printf(
        "INGEST: %,d events in %.1f s = %,.0f events/s overall; slowest 1M window %,.0f/s"
            + " (target >= 100,000); %.0f%% of the time in the store's append (key, chain,"
            + " appender, commit), %.0f%% signing and storing checkpoints (a commit that may carry"
            + " DuckDB's write-ahead-log checkpoint), the rest generating and mapping events%n",
        events,
        seconds,
        events / seconds,
        slowest == Double.MAX_VALUE ? 0 : slowest,
        100.0 * appendNanos / (System.nanoTime() - started),
        100.0 * checkpointNanos / (System.nanoTime() - started));
  }

  private static void query(AuditStore store) {
    AuditQueries queries = new AuditQueries(store);
    long[] millis = new long[25];
    int rows = 0;
    for (int i = 0; i < 5; i++) {
      queries.query(filter("subject-" + (i * 7919 % SUBJECTS)));
    }
    for (int i = 0; i < millis.length; i++) {
      long started = System.nanoTime();
      rows = queries.query(filter("subject-" + ((i * 104_729 + 11) % SUBJECTS))).size();
      millis[i] = (System.nanoTime() - started) / 1_000_000;
    }
    Arrays.sort(millis);
    System.out.printf(
        "QUERY one subject over %,d events (%d rows each, limit 1000): median %d ms, max %d ms"
            + " over %d subjects (target < 500 ms)%n",
        store.count(), rows, millis[millis.length / 2], millis[millis.length - 1], millis.length);
  }

  private static AuditFilter filter(String subject) {
    return new AuditFilter(subject, null, null, null, Set.of(), null, null, null, null, 1000);
  }

  private static void verify(AuditStore store, KeyPair keys) {
    int threads = Runtime.getRuntime().availableProcessors();
    long started = System.nanoTime();
    VerificationReport report = StoreVerifier.verify(store, keys.getPublic(), threads);
    double seconds = (System.nanoTime() - started) / 1e9;
    System.out.printf(
        "VERIFY: %,d records, %d chains, %d checkpoints in %.2f s = %,.0f records/s, %d threads,"
            + " verifies=%s (target >= 2,000,000/s)%n",
        report.records(),
        report.chains(),
        report.checkpoints(),
        seconds,
        report.records() / seconds,
        threads,
        report.verifies());
  }

  private static void replay(AuditStore store) {
    AuditQueries queries = new AuditQueries(store);
    long[] count = {0, 0};
    long started = System.nanoTime();
    queries.replayLines(
        AuditFilter.all(1),
        AuditQueries.Order.TIME,
        line -> {
          count[0]++;
          count[1] += line.length + 1;
        });
    double seconds = (System.nanoTime() - started) / 1e9;
    System.out.printf(
        "REPLAY (time order, JSON lines as UTF-8 bytes, %,d MB): %,d events in %.1f s = %,.0f events/s"
            + " (target >= 200,000/s)%n",
        count[1] / 1_000_000, count[0], seconds, count[0] / seconds);
  }

  private static TokenIssued issuedTemplate() {
    Instant t0 = Instant.ofEpochMilli(T0);
    return TokenIssued.newBuilder()
        .setEventId("x")
        .setOccurredAt(t0)
        .setTokenId("x")
        .setIssuer("http://localhost:9400")
        .setSubject("x")
        .setClientId("x")
        .setAudience("https://orders.example.com")
        .setScopes(List.of("orders:read", "orders:export"))
        .setIssuedAt(t0)
        .setNotBefore(t0)
        .setExpiresAt(t0.plusSeconds(300))
        .setMaxUses(50)
        .setGrantId("grant-1")
        .setGrantType(GrantType.CLIENT_CREDENTIALS)
        .setLineage(List.of())
        .setChannelBinding(ChannelBinding.newBuilder().setType(BindingType.NONE).build())
        .setPolicy(
            PolicyRef.newBuilder().setPolicyId("tokenwatch-sample").setPolicyVersion("7").build())
        .setRuleId("orders-service-reads")
        .setGrantedBy("policy")
        .setReason("client credentials within policy")
        .setSigningKeyId("ed25519-2026-01")
        .build();
  }

  private static TokenUsed usedTemplate() {
    return TokenUsed.newBuilder()
        .setEventId("x")
        .setOccurredAt(Instant.ofEpochMilli(T0))
        .setTokenId("x")
        .setSubject("x")
        .setTokenClientId("x")
        .setSourceAddress("198.51.100.23")
        .setValidatorId("orders-gateway/host-3")
        .setResource("GET /orders/42")
        .setRequiredScopes(List.of("orders:read"))
        .setTokenScopes(List.of("orders:read", "orders:export"))
        .setDecision(UseDecision.ALLOWED)
        .setUseCount(1L)
        .setMaxUses(50)
        .setTokenExpiresAt(Instant.ofEpochMilli(T0 + 300_000))
        .setGrantId("grant-1")
        .build();
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return -1;
    }
  }
}
