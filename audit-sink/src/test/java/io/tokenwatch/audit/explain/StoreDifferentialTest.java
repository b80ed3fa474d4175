package io.tokenwatch.audit.explain;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.audit.AuditEvent;
import io.tokenwatch.audit.AuditFilter;
import io.tokenwatch.audit.ChainKey;
import io.tokenwatch.audit.Checkpoint;
import io.tokenwatch.audit.CheckpointSigner;
import io.tokenwatch.audit.TestEvents;
import io.tokenwatch.audit.VerificationReport;
import io.tokenwatch.audit.http.AuditJson;
import io.tokenwatch.audit.store.AuditQueries;
import io.tokenwatch.audit.store.AuditStore;
import io.tokenwatch.audit.store.KeyFiles;
import io.tokenwatch.audit.store.StoreVerifier;
import io.tokenwatch.audit.store.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same events, in the same batches, stored in DuckDB and in PostgreSQL give the same chains
 * (positions and hashes), the same checkpoints and the same answer to every audit question: DuckDB
 * is the reference the PostgreSQL store is held to.
 */
class StoreDifferentialTest {

  private static final long NOW = TestEvents.T0 + 86_400_000L;

  @TempDir Path dir;

  @Test
  void shouldAnswerEveryAuditQuestionAlikeOnDuckDbAndPostgres() {
    List<AuditEvent> events = new ArrayList<>(new WhyScenario().events);
    events.addAll(randomHistory(new Random(20_261_205L), 400));
    KeyPair keys = KeyFiles.loadOrCreate(dir);
    CheckpointSigner signer = new CheckpointSigner(keys);

    try (AuditStore duck = AuditStore.openReadWrite(dir.resolve("audit.duckdb"));
        AuditStore postgres = AuditStore.openReadWrite(TestPostgres.shared().newDatabase())) {
      Random batches = new Random(7);
      int sealedAt = 0;
      for (int from = 0; from < events.size(); ) {
        int to = Math.min(events.size(), from + 1 + batches.nextInt(120));
        List<AuditEvent> batch = new ArrayList<>(events.subList(from, to));
        if (batches.nextInt(4) == 0) {
          batch.addAll(events.subList(Math.max(0, from - 20), from)); // redelivered
        }
        Map<ChainKey, Long> offsets = new TreeMap<>();
        batch.forEach(e -> offsets.merge(e.chain(), e.sourceOffset() + 1, Math::max));
        assertThat(postgres.append(batch, offsets)).isEqualTo(duck.append(batch, offsets));
        if (to - sealedAt > 200) {
          long at = TestEvents.T0 + to;
          assertThat(digest(postgres.checkpoint(signer, at).orElseThrow()))
              .isEqualTo(digest(duck.checkpoint(signer, at).orElseThrow()));
          sealedAt = to;
        }
        from = to;
      }

      assertThat(postgres.count()).isEqualTo(duck.count());
      assertThat(postgres.chains()).isEqualTo(duck.chains());
      for (ChainKey chain : duck.chains()) {
        assertThat(links(postgres, chain)).as("chain %s", chain).isEqualTo(links(duck, chain));
      }
      assertThat(postgres.partitions().keySet()).isEqualTo(duck.partitions().keySet());
      assertThat(postgres.checkpoints().stream().map(StoreDifferentialTest::digest).toList())
          .isEqualTo(duck.checkpoints().stream().map(StoreDifferentialTest::digest).toList());

      VerificationReport duckReport = StoreVerifier.verify(duck, keys.getPublic(), 2);
      VerificationReport postgresReport = StoreVerifier.verify(postgres, keys.getPublic(), 2);
      assertThat(duckReport.findings()).isEmpty();
      assertThat(postgresReport).isEqualTo(duckReport);

      AuditQueries d = new AuditQueries(duck);
      AuditQueries p = new AuditQueries(postgres);
      same(d, p, q -> q.query(AuditFilter.all(10_000)));
      same(d, p, q -> q.count(AuditFilter.all(1)));
      same(
          d,
          p,
          q -> q.grants(AuditFilter.all(10_000), NOW).stream().map(AuditJson::grant).toList());
      same(d, p, q -> q.grants(AuditFilter.all(10_000), "urn:api", "read", NOW).size());
      same(d, p, q -> AuditJson.leastPrivilege(q.leastPrivilege(0), 30).toString());
      for (AuditQueries.Order order : AuditQueries.Order.values()) {
        same(d, p, q -> replay(q, order));
      }
      Set<String> ids = new LinkedHashSet<>();
      // every id of the governance scenario, then every fortieth event of the random history
      for (int i = 0; i < events.size(); i++) {
        AuditEvent event = events.get(i);
        if (i >= new WhyScenario().events.size() && i % 40 != 0) {
          continue;
        }
        if (event.tokenId() != null) {
          ids.add(event.tokenId());
        }
        ids.add(event.eventId());
        if (event.grantId() != null) {
          ids.add(event.grantId());
        }
      }
      ids.add("nothing-has-this-id");
      for (String id : ids) {
        same(d, p, q -> q.timeline(id, 1000));
        same(d, p, q -> WhyExplainer.explain(id, q.why(id, 1000), NOW).toString());
        same(d, p, q -> resolved(q, id.substring(0, Math.min(id.length(), 9))));
        same(
            d,
            p,
            q ->
                q.query(
                    new AuditFilter(null, null, id, null, Set.of(), null, null, null, null, 1000)));
      }
      for (String subject : List.of("alice", "bob", "carol", "cns-7Qm2")) {
        same(
            d,
            p,
            q ->
                q.query(
                    new AuditFilter(
                        subject,
                        null,
                        null,
                        null,
                        Set.of("TokenIssued", "TokenUsed"),
                        null,
                        null,
                        TestEvents.T0 + 50_000,
                        TestEvents.T0 + 400_000,
                        1000)));
      }
    }
  }

  private static <T> void same(
      AuditQueries duck, AuditQueries postgres, Function<AuditQueries, T> question) {
    assertThat(question.apply(postgres)).isEqualTo(question.apply(duck));
  }

  private static String resolved(AuditQueries queries, String prefix) {
    try {
      return queries.resolveToken(prefix);
    } catch (IllegalArgumentException e) {
      return "refused: " + e.getMessage();
    }
  }

  private static List<String> replay(AuditQueries queries, AuditQueries.Order order) {
    List<String> lines = new ArrayList<>();
    queries.replayLines(
        AuditFilter.all(1), order, line -> lines.add(new String(line, StandardCharsets.UTF_8)));
    return lines;
  }

  private static List<String> links(AuditStore store, ChainKey chain) {
    List<String> links = new ArrayList<>();
    HexFormat hex = HexFormat.of();
    store.forEachInChain(
        chain,
        r ->
            links.add(
                r.seq()
                    + " "
                    + hex.formatHex(r.previousHash())
                    + " "
                    + hex.formatHex(r.hash())
                    + " "
                    + r.event()));
    return links;
  }

  private static String digest(Checkpoint checkpoint) {
    return checkpoint.number() + " " + checkpoint.digest() + " " + checkpoint.records();
  }

  /** Issuances, uses and revocations over a few subjects, clients and partitions. */
  private static List<AuditEvent> randomHistory(Random random, int count) {
    List<String> subjects = List.of("alice", "bob", "carol");
    List<String> clients = List.of("app", "reporter", "batch");
    List<String> scopes = List.of("read", "write", "admin", "orders:read");
    List<String> tokens = new ArrayList<>();
    long[] offsets = new long[12];
    java.util.Arrays.fill(offsets, 1000); // after the scenario's records on the same partitions
    List<AuditEvent> events = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int kind = tokens.isEmpty() ? 0 : random.nextInt(10);
      int partition = random.nextInt(4);
      if (kind < 3) {
        String token = "tok-r" + i + "-" + Integer.toHexString(random.nextInt());
        tokens.add(token);
        List<String> granted = new ArrayList<>(scopes.subList(0, 1 + random.nextInt(3)));
        events.add(
            TestEvents.issued(
                token,
                subjects.get(random.nextInt(3)),
                clients.get(random.nextInt(3)),
                partition,
                offsets[partition]++,
                granted.toArray(String[]::new)));
      } else if (kind < 9) {
        String token = tokens.get(random.nextInt(tokens.size()));
        events.add(
            TestEvents.used(
                "use-r" + i,
                token,
                subjects.get(random.nextInt(3)),
                clients.get(random.nextInt(3)),
                random.nextInt(5) == 0 ? "DENIED" : "ALLOWED",
                4 + partition,
                offsets[4 + partition]++,
                scopes.get(random.nextInt(scopes.size()))));
      } else {
        String token = tokens.get(random.nextInt(tokens.size()));
        events.add(TestEvents.revoked("rev-r" + i, token, partition, offsets[8 + partition]++));
      }
    }
    return events;
  }
}
