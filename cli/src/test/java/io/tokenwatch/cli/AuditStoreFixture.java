package io.tokenwatch.cli;

import io.tokenwatch.audit.AuditEvent;
import io.tokenwatch.audit.ChainKey;
import io.tokenwatch.audit.CheckpointSigner;
import io.tokenwatch.audit.store.AuditStore;
import io.tokenwatch.audit.store.KeyFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A small audit store for the audit commands' tests: token t1 issued to alice, used (allowed and
 * denied), token t2 issued to bob, all sealed by one checkpoint.
 */
final class AuditStoreFixture {

  static final long T0 = 1_767_225_600_000L;
  static final String TOPIC = "tokenwatch.token-used";

  private AuditStoreFixture() {}

  /** Writes the store and its checkpoint key under {@code dataDir}/audit-sink. */
  static void fill(Path dataDir) {
    Path dir = dataDir.resolve("audit-sink");
    try (AuditStore store = AuditStore.openReadWrite(dir.resolve("audit.duckdb"))) {
      store.append(
          List.of(
              event("e1", "TokenIssued", "t1", "alice", "ISSUED", 0),
              event("e2", "TokenUsed", "t1", "alice", "ALLOWED", 1),
              event("e3", "TokenUsed", "t1", "alice", "DENIED", 2),
              event("e4", "TokenIssued", "t2", "bob", "ISSUED", 3)),
          Map.of(new ChainKey(TOPIC, 0), 4L));
      store.checkpoint(new CheckpointSigner(KeyFiles.loadOrCreate(dir)), T0);
    }
  }

  /** Writes a store holding one TokenIssued event per id in {@code tokenIds}, sealed. */
  static void fillWithTokens(Path dataDir, List<String> tokenIds) {
    Path dir = dataDir.resolve("audit-sink");
    try (AuditStore store = AuditStore.openReadWrite(dir.resolve("audit.duckdb"))) {
      List<AuditEvent> events = new java.util.ArrayList<>();
      for (int i = 0; i < tokenIds.size(); i++) {
        events.add(event("i" + i, "TokenIssued", tokenIds.get(i), "alice", "ISSUED", i));
      }
      store.append(events, Map.of(new ChainKey(TOPIC, 0), (long) tokenIds.size()));
      store.checkpoint(new CheckpointSigner(KeyFiles.loadOrCreate(dir)), T0);
    }
  }

  private static AuditEvent event(
      String id, String type, String token, String subject, String decision, long offset) {
    return new AuditEvent(
        id,
        type,
        T0 + offset * 1000,
        subject,
        "app",
        token,
        "g-" + token,
        "urn:api",
        null,
        List.of("read"),
        decision,
        null,
        "p",
        "3",
        "someone",
        T0 + 3_600_000,
        TOPIC,
        0,
        offset,
        "{\"event_id\":\"" + id + "\"}");
  }
}
