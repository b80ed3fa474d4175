package io.tokenwatch.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.tokenwatch.anomaly.app.AnomalyDetectorApp;
import io.tokenwatch.anomaly.kafka.AnomalyDetectorConfig;
import io.tokenwatch.audit.VerificationReport;
import io.tokenwatch.audit.app.AuditSinkApp;
import io.tokenwatch.audit.app.AuditSinkConfig;
import io.tokenwatch.audit.store.AuditStore;
import io.tokenwatch.audit.store.KeyFiles;
import io.tokenwatch.audit.store.StoreVerifier;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.SecurityAlert;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.issuer.server.IssuerConfig;
import io.tokenwatch.issuer.server.IssuerServer;
import io.tokenwatch.keys.SigningKeys;
import io.tokenwatch.reliability.ClusterGate.Verdict;
import io.tokenwatch.revocation.app.RevocationStreamApp;
import io.tokenwatch.revocation.kafka.RevocationStreamConfig;
import io.tokenwatch.schemas.topic.Topics;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Several instances of every service on one cluster under a steady load, and one instance lost at a
 * time: issuer ×2, revocation stream ×2, anomaly detector ×2, audit sink ×2 and five validators
 * (two sidecars, three embedded libraries). Only the instances killed abruptly run in JVMs of their
 * own (a revocation stream and an issuer, SIGKILLed); the others run in this JVM to spare the two
 * cores.
 *
 * <p>One scenario in phases, each fault landing while tokens are issued, used and revoked: a
 * revocation-stream instance SIGKILLed while the other takes over its partitions; an issuer
 * instance killed between the two produces of a revocation (the request durable, the fast-path
 * record never sent), its client sending the revocation again to the other issuer; a validator
 * sidecar restarted. Then the counts: every revocation accepted (202) is denied as revoked by every
 * validator; every token handed out has its issuance event and no event lacks its token; every
 * revoked token presented again raises one alert, once, with two detectors; each audit sink's store
 * holds every event once and its chains verify. The time from a revocation's 202 until every
 * validator denies is measured per phase and recorded, never asserted.
 */
@Tag("integration")
class ServiceClusterIntegrationTest {

  private static final Logger log = LoggerFactory.getLogger(ServiceClusterIntegrationTest.class);
  private static final Duration WAIT = Duration.ofMinutes(2);

  /** Revocations accepted in a fault's window after the fault, before the next phase. */
  private static final int REVOCATIONS_PER_WINDOW = 12;

  private static final String STREAM_APPLICATION_ID = "tokenwatch-revocation-stream";

  @TempDir static Path dataDir;

  private static KafkaPlatform platform;
  private static final Deque<AutoCloseable> started = new ConcurrentLinkedDeque<>();

  /**
   * The cluster every service runs on; the only line that names it. Services and clients see only
   * its bootstrap servers and schema registry URL.
   */
  private static KafkaPlatform startCluster(Path dir) {
    return KafkaPlatform.start(dir);
  }

  @BeforeAll
  static void startPlatform() {
    platform = startCluster(dataDir.resolve("cluster"));
  }

  @AfterAll
  static void stopEverything() {
    while (!started.isEmpty()) {
      AutoCloseable component = started.pop();
      try {
        component.close();
      } catch (Exception e) {
        log.warn("Closing {} failed: {}", component.getClass().getSimpleName(), e.toString());
      }
    }
    if (platform != null) {
      platform.close();
    }
  }

  private static <T extends AutoCloseable> T started(T component) {
    started.push(component);
    return component;
  }

  @Test
  void shouldLoseNothingAndDoubleNothingWhenOneInstanceOfAServiceIsLostUnderLoad()
      throws Exception {
    Path logs = dataDir.resolve("logs");
    Files.createDirectories(logs);
    Map<String, Object> clients = new LinkedHashMap<>();
    clients.put("bootstrap.servers", platform.bootstrapServers());
    clients.put("schema.registry.url", platform.schemaRegistryUrl());

    // The instances that are killed run in JVMs of their own and start first, in parallel with
    // the rest: revocation stream B, and issuer B with the hook that stops it between a
    // revocation's two produces. Both issuers have one signing key set and one issuer URL, as
    // behind a load balancer.
    Path policy = Pipeline.samplePolicy(dataDir.resolve("policy.yaml"));
    int issuerPortA = Pipeline.freePort();
    int issuerPortB = Pipeline.freePort();
    String issuerUrl = "http://localhost:" + issuerPortA;
    String issuerBUrl = "http://localhost:" + issuerPortB;
    Path issuerDataA = dataDir.resolve("issuer-a");
    Path issuerDataB = dataDir.resolve("issuer-b");
    Map<String, Object> issuerASettings =
        issuerSettings(clients, policy, issuerUrl, issuerPortA, issuerDataA, "a");
    IssuerConfig issuerAConfig = IssuerConfig.of(issuerASettings);
    SigningKeys.open(issuerDataA, issuerAConfig.signingAlgorithm(), Clock.systemUTC());
    copyKeys(issuerDataA, issuerDataB);
    Path haltDir = Files.createDirectories(dataDir.resolve("issuer-b-halt"));
    Map<String, Object> issuerBSettings =
        issuerSettings(clients, policy, issuerUrl, issuerPortB, issuerDataB, "b");
    issuerBSettings.put(
        IssuerConfig.KAFKA_PREFIX + "interceptor.classes", HaltBetweenProduces.class.getName());
    issuerBSettings.put(IssuerConfig.KAFKA_PREFIX + HaltBetweenProduces.DIR, haltDir.toString());
    int streamPortA = Pipeline.freePort();
    int streamPortB = Pipeline.freePort();
    ServiceProcess streamB =
        started(
            ServiceProcess.start(
                RevocationStreamApp.class,
                streamSettings(streamPortB, "stream-b"),
                logs.resolve("stream-b.log")));
    ServiceProcess issuerB =
        started(
            ServiceProcess.start(
                IssuerProcess.class, issuerBSettings, logs.resolve("issuer-b.log")));

    // Revocation stream A, issuer A, anomaly detector ×2 (one application id: they share the
    // partitions) and audit sink ×2 (one consumer group and one DuckDB file each: a full copy
    // each) in this JVM, started side by side: most of a start is waiting for the broker.
    ExecutorService starter = Executors.newFixedThreadPool(6);
    Future<RevocationStreamApp> streamStart =
        starter.submit(
            () -> started(RevocationStreamApp.start(streamSettings(streamPortA, "stream-a"))));
    Future<IssuerServer> issuerStart =
        starter.submit(() -> started(IssuerServer.start(issuerAConfig)));
    List<Future<AnomalyDetectorApp>> detectorStarts = new ArrayList<>();
    for (String name : List.of("a", "b")) {
      detectorStarts.add(
          starter.submit(() -> started(AnomalyDetectorApp.start(detectorSettings(name)))));
    }
    Map<String, Path> auditDirs = new LinkedHashMap<>();
    List<Future<AuditSinkApp>> sinkStarts = new ArrayList<>();
    for (String name : List.of("a", "b")) {
      Path dir = dataDir.resolve("audit-" + name);
      auditDirs.put(name, dir);
      sinkStarts.add(starter.submit(() -> started(AuditSinkApp.start(auditSettings(name, dir)))));
    }
    starter.shutdown();
    RevocationStreamApp streamA = streamStart.get();
    issuerStart.get();
    List<AnomalyDetectorApp> detectors = new ArrayList<>();
    for (Future<AnomalyDetectorApp> detector : detectorStarts) {
      detectors.add(detector.get());
    }
    List<AuditSinkApp> sinks = new ArrayList<>();
    for (Future<AuditSinkApp> sink : sinkStarts) {
      sinks.add(sink.get());
    }

    // Validators ×5: two sidecars, three embedded libraries.
    List<ClusterGate> gates = new ArrayList<>();
    ClusterGate.Sidecar restarted =
        started(new ClusterGate.Sidecar("cluster-sidecar-1", clients, issuerUrl));
    gates.add(restarted);
    gates.add(started(new ClusterGate.Sidecar("cluster-sidecar-2", clients, issuerUrl)));
    for (int i = 1; i <= 3; i++) {
      gates.add(
          started(
              new ClusterGate.Library(
                  "cluster-library-" + i,
                  platform.bootstrapServers(),
                  platform.schemaRegistryUrl(),
                  issuerUrl)));
    }
    await()
        .atMost(WAIT)
        .until(
            () ->
                streamA.isRunning()
                    && ready(issuerBUrl)
                    && introspect(streamPortB, "no-such-token", false) != null
                    && detectors.stream().allMatch(AnomalyDetectorApp::isRunning)
                    && sinks.stream().allMatch(AuditSinkApp::isReady)
                    && gates.stream().allMatch(ServiceClusterIntegrationTest::gateReady));

    // A witness token every validator must allow before the load begins: each has the issuers'
    // keys (the JWKS), not only a ready feed.
    String witness = Pipeline.accessToken(Pipeline.requestToken(issuerUrl));
    await()
        .atMost(WAIT)
        .until(() -> gates.stream().allMatch(g -> g.check(witness) == Verdict.ALLOWED));
    log.info("Cluster test: every instance ready");
    Map<String, Object> figures = new LinkedHashMap<>();
    List<String> issuerUrls = List.of(issuerUrl, issuerBUrl);
    try (ClusterLoad load = new ClusterLoad(issuerUrls, gates)) {
      try {
        await().atMost(WAIT).until(() -> load.accepted("steady") >= REVOCATIONS_PER_WINDOW);

        // Introspection from either stream instance: the same answers, for keys either owns.
        List<String> asked = load.handedOut();
        // The same question to both in one round, until both answer every token alike (a
        // revocation landing between the two rounds changes an answer for a moment).
        AtomicReference<Map<String, String>> fromA = new AtomicReference<>(Map.of());
        AtomicReference<Map<String, String>> fromB = new AtomicReference<>(Map.of());
        await()
            .atMost(WAIT)
            .until(
                () -> {
                  fromA.set(answers(streamPortA, asked));
                  fromB.set(answers(streamPortB, asked));
                  return fromA.get().size() == asked.size() && fromA.get().equals(fromB.get());
                });
        // Both detectors and both stream instances work: each holds partitions of its group.
        assertThat(membersWithPartitions("tokenwatch-anomaly-detector")).isEqualTo(2);
        assertThat(membersWithPartitions(STREAM_APPLICATION_ID)).isEqualTo(2);
        figures.put("detectorMembersWithPartitions", 2);
        Set<String> ownedByA = owned(streamPortA, asked);
        Set<String> ownedByB = owned(streamPortB, asked);
        assertThat(ownedByA).as("tokens stream A holds").isNotEmpty();
        assertThat(ownedByB).as("tokens stream B holds").isNotEmpty();
        Set<String> both = new HashSet<>(ownedByA);
        both.addAll(ownedByB);
        assertThat(both).as("every token held by one instance").hasSize(asked.size());
        figures.put("introspectionTokensAsked", asked.size());
        figures.put("introspectionHeldByA", ownedByA.size());
        figures.put("introspectionHeldByB", ownedByB.size());
        figures.put("introspectionAnswersDifferent", differences(fromA.get(), fromB.get()));

        // Fault 1: stream B SIGKILLed; A takes over its partitions.
        load.phase("stream-killed");
        log.info("Cluster test: {} at {} revocations accepted", "stream-killed", load.accepted());
        streamB.kill();
        await().atMost(WAIT).until(() -> owned(streamPortA, ownedByB).size() == ownedByB.size());
        await().atMost(WAIT).until(() -> load.accepted("stream-killed") >= REVOCATIONS_PER_WINDOW);

        // Fault 2: issuer B stopped between a revocation's two produces, then SIGKILLed.
        load.phase("issuer-killed");
        log.info("Cluster test: {} at {} revocations accepted", "issuer-killed", load.accepted());
        Files.writeString(haltDir.resolve("arm"), "armed\n");
        await().atMost(WAIT).until(() -> Files.exists(haltDir.resolve("halted")));
        issuerB.kill();
        load.issuerDown(1);
        await().atMost(WAIT).until(() -> load.accepted("issuer-killed") >= REVOCATIONS_PER_WINDOW);

        // Fault 3: a validator sidecar restarted mid-load.
        load.phase("validator-restarted");
        log.info(
            "Cluster test: {} at {} revocations accepted", "validator-restarted", load.accepted());
        load.outOfRotation(restarted);
        restarted.stop();
        restarted.start();
        await()
            .atMost(WAIT)
            .until(() -> restarted.ready() && restarted.check(witness) == Verdict.ALLOWED);
        load.backInRotation(restarted);
        await()
            .atMost(WAIT)
            .until(() -> load.accepted("validator-restarted") >= REVOCATIONS_PER_WINDOW);
        load.stopTraffic();
        load.awaitPropagated(WAIT);
        log.info("Cluster test: every revocation propagated at {} accepted", load.accepted());
      } finally {
        load.stopTraffic();
      }

      assertThat(load.unexpected()).as("unexpected answers").isEmpty();
      assertThat(load.propagating()).as("revocations some validator never denied").isZero();

      log.info("Cluster test: load stopped, counting");
      // Revocations accepted = revocations every validator applies.
      List<String> revoked = load.revoked();
      Map<String, String> revokedTokens = load.revokedTokens();
      Map<String, Integer> deniedAsRevoked = new TreeMap<>();
      for (ClusterGate gate : gates) {
        int denied = 0;
        for (String jti : revoked) {
          String token = revokedTokens.get(jti);
          if (decided(gate, token) == Verdict.REVOKED) {
            denied++;
          }
        }
        deniedAsRevoked.put(gate.name(), denied);
      }
      Map<String, Integer> expectedDenials = new TreeMap<>();
      gates.forEach(g -> expectedDenials.put(g.name(), revoked.size()));
      assertThat(deniedAsRevoked).isEqualTo(expectedDenials);
      // ... and no other token: those not revoked are still allowed everywhere.
      Set<String> notRevoked = new HashSet<>();
      for (String token : load.handedOut()) {
        if (!revokedTokens.containsKey(Pipeline.jti(token))) {
          notRevoked.add(token);
        }
      }
      int allowed = 0;
      for (ClusterGate gate : gates) {
        for (String token : notRevoked) {
          if (decided(gate, token) == Verdict.ALLOWED) {
            allowed++;
          }
        }
      }
      assertThat(allowed).isEqualTo(notRevoked.size() * gates.size());

      // Tokens handed out = issuance events.
      Set<String> issuedEvents = new HashSet<>();
      TopicReader.readAll(
              platform.bootstrapServers(),
              platform.schemaRegistryUrl(),
              Topics.TOKEN_ISSUED.name(),
              TokenIssued.class)
          .forEach(r -> issuedEvents.add(r.value().getTokenId()));
      Set<String> handedOut = load.handedOutIds();
      handedOut.add(Pipeline.jti(witness));
      assertThat(issuedEvents).isEqualTo(handedOut);

      // The issuer halted between its produces left one request without its fast-path record;
      // the revocation sent again has both. Every accepted revocation is on the feed.
      Set<String> acceptedSelectors = new HashSet<>();
      revoked.forEach(jti -> acceptedSelectors.add("token:" + jti));
      Map<String, Integer> requests =
          perKey(Topics.REVOCATION_REQUESTS.name(), RevocationRequested.class);
      Map<String, Integer> fastPath = perKey(Topics.REVOCATION_FAST_PATH.name(), Revocation.class);
      int requestsForAccepted = 0;
      int fastPathForAccepted = 0;
      int twice = 0;
      for (String selector : acceptedSelectors) {
        requestsForAccepted += requests.getOrDefault(selector, 0);
        fastPathForAccepted += fastPath.getOrDefault(selector, 0);
        if (requests.getOrDefault(selector, 0) > 1) {
          twice++;
        }
      }
      assertThat(requests.keySet()).containsAll(acceptedSelectors);
      assertThat(fastPath.keySet()).containsAll(acceptedSelectors);
      assertThat(twice).as("revocations requested twice (one halted mid-way, sent again)").isOne();
      assertThat(requestsForAccepted).isEqualTo(revoked.size() + 1);
      assertThat(fastPathForAccepted).isEqualTo(revoked.size());
      await()
          .atMost(WAIT)
          .until(
              () -> perKey(Topics.REVOCATIONS.name(), Revocation.class).keySet(),
              keys -> keys.containsAll(acceptedSelectors));

      // Alerts: every revoked token was presented again at a sidecar (denied as revoked), which
      // must raise exactly one REPLAY_AFTER_REVOCATION alert per token with two detectors.
      await()
          .atMost(WAIT)
          .until(
              () -> replayAlerts(new HashSet<>(revoked)),
              alerts -> alerts.keySet().containsAll(revoked));
      Thread.sleep(3_000); // a late duplicate would come now
      List<SecurityAlert> alerts = alerts();
      Map<String, Integer> perAlertId = new TreeMap<>();
      alerts.forEach(a -> perAlertId.merge(a.getAlertId(), 1, Integer::sum));
      perAlertId.values().removeIf(n -> n == 1);
      assertThat(perAlertId).as("alert ids on the topic more than once").isEmpty();
      Map<String, Integer> replayAlerts = replayAlerts(new HashSet<>(revoked));
      Map<String, Integer> once = new TreeMap<>();
      revoked.forEach(jti -> once.put(jti, 1));
      assertThat(new TreeMap<>(replayAlerts)).isEqualTo(once);
      assertThat(alerts).as("alerts other than the replays").hasSize(revoked.size());

      log.info("Cluster test: alerts counted");
      // Audit: each sink's store holds every event once; every chain verifies.
      long events =
          await()
              .atMost(WAIT)
              .until(
                  ServiceClusterIntegrationTest::auditedEvents,
                  n -> sinks.stream().allMatch(s -> stored(s) == n));
      Map<String, Long> stored = new TreeMap<>();
      for (int i = 0; i < sinks.size(); i++) {
        stored.put("auditRecords" + (char) ('A' + i), stored(sinks.get(i)));
      }
      for (AuditSinkApp sink : sinks) {
        started.remove(sink);
        sink.close();
      }
      List<String> verifies = new ArrayList<>();
      for (Map.Entry<String, Path> audit : auditDirs.entrySet()) {
        try (AuditStore store =
            AuditStore.openReadOnly(audit.getValue().resolve(AuditSinkConfig.DEFAULT_DB_FILE))) {
          VerificationReport report =
              StoreVerifier.verify(store, KeyFiles.publicKey(audit.getValue()), 1);
          assertThat(report.findings()).as("audit store " + audit.getKey()).isEmpty();
          assertThat(report.records()).isEqualTo(events);
          verifies.add(
              audit.getKey()
                  + ": "
                  + report.records()
                  + " records, "
                  + report.chains()
                  + " chains, "
                  + report.checkpoints()
                  + " checkpoints");
        }
      }

      figures.putAll(load.counts());
      figures.put("tokensHandedOutWithTheWitness", handedOut.size());
      figures.put("issuanceEvents", issuedEvents.size());
      figures.put("revocationRequestsForAccepted", requestsForAccepted);
      figures.put("fastPathRecordsForAccepted", fastPathForAccepted);
      figures.put("feedKeysForAccepted", acceptedSelectors.size());
      figures.put("deniedAsRevokedPerValidator", deniedAsRevoked);
      figures.put("notRevokedAllowedEverywhere", allowed);
      figures.put("replayAlertsExpected", revoked.size());
      figures.put("replayAlertsRaised", replayAlerts.values().stream().mapToInt(i -> i).sum());
      figures.put("alertsOnTopic", alerts.size());
      figures.put("auditEvents", events);
      figures.putAll(stored);
      figures.put("auditVerified", verifies);
      for (String phase :
          List.of("steady", "stream-killed", "issuer-killed", "validator-restarted")) {
        List<Long> millis = load.propagationMillis(phase);
        figures.put(
            phase,
            load.accepted(phase)
                + " accepted, propagation p50 "
                + percentile(millis, 50)
                + " ms, p99 "
                + percentile(millis, 99)
                + " ms, max "
                + percentile(millis, 100)
                + " ms");
      }
      Figures.record("several instances, one lost under load", figures);
    } catch (AssertionError | RuntimeException e) {
      throw new AssertionError(
          e.getMessage()
              + "\n--- stream B ---\n"
              + tail(logs.resolve("stream-b.log"))
              + "\n--- issuer B ---\n"
              + tail(logs.resolve("issuer-b.log")),
          e);
    }
  }

  /** The validator's verdict once it can decide (not stopped, loading or stale). */
  private static Verdict decided(ClusterGate gate, String token) {
    Verdict verdict = gate.check(token);
    return verdict != Verdict.UNAVAILABLE
        ? verdict
        : await().atMost(WAIT).until(() -> gate.check(token), v -> v != Verdict.UNAVAILABLE);
  }

  /** How many members of the consumer group {@code groupId} hold partitions now. */
  private static long membersWithPartitions(String groupId) throws Exception {
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers()))) {
      return admin
          .describeConsumerGroups(List.of(groupId))
          .describedGroups()
          .get(groupId)
          .get()
          .members()
          .stream()
          .filter(m -> !m.assignment().topicPartitions().isEmpty())
          .count();
    }
  }

  /** How many records the sink's store holds. */
  private static long stored(AuditSinkApp sink) {
    try (AuditStore reader = sink.reader()) {
      return reader.count();
    }
  }

  /** The nearest-rank percentile, -1 without samples. */
  private static long percentile(List<Long> samples, int p) {
    if (samples.isEmpty()) {
      return -1;
    }
    List<Long> sorted = new ArrayList<>(samples);
    Collections.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size(), rank) - 1));
  }

  private static boolean gateReady(ClusterGate gate) {
    if (gate instanceof ClusterGate.Sidecar sidecar) {
      return sidecar.ready();
    }
    return gate instanceof ClusterGate.Library library && library.ready();
  }

  private static boolean ready(String url) {
    try {
      HttpResponse<String> answer =
          Pipeline.post(url + "/oauth2/token", "", "application/x-www-form-urlencoded", "");
      return answer.statusCode() > 0;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Introspection's answer; {@code local} asks the instance for what it holds itself. */
  private static @Nullable JsonNode introspect(int port, String token, boolean local) {
    try {
      HttpResponse<String> answer =
          local
              ? Pipeline.send(
                  java.net.http.HttpRequest.newBuilder(
                          java.net.URI.create("http://localhost:" + port + "/introspect"))
                      .timeout(Duration.ofSeconds(10))
                      .header("Authorization", "Bearer " + Introspection.SECRET)
                      .header("Content-Type", "application/x-www-form-urlencoded")
                      .header("X-Tokenwatch-Forwarded", "test")
                      .POST(java.net.http.HttpRequest.BodyPublishers.ofString("token=" + token))
                      .build())
              : Pipeline.post(
                  "http://localhost:" + port + "/introspect",
                  "Bearer " + Introspection.SECRET,
                  "application/x-www-form-urlencoded",
                  "token=" + token);
      return answer.statusCode() == 200 ? Pipeline.readTree(answer.body()) : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** Each token's introspection answer (active, and the claims that do not move) by token id. */
  private static Map<String, String> answers(int port, List<String> tokens) {
    Map<String, String> answers = new TreeMap<>();
    for (String token : tokens) {
      JsonNode answer = introspect(port, Pipeline.jti(token), false);
      if (answer != null) {
        answers.put(
            Pipeline.jti(token),
            answer.path("active").asText()
                + " "
                + answer.path("jti").asText()
                + " "
                + answer.path("client_id").asText()
                + " "
                + answer.path("exp").asText()
                + " "
                + answer.path("revocation_reason").asText());
      }
    }
    return answers;
  }

  private static int differences(Map<String, String> a, Map<String, String> b) {
    int different = 0;
    for (Map.Entry<String, String> entry : a.entrySet()) {
      if (!entry.getValue().equals(b.get(entry.getKey()))) {
        different++;
      }
    }
    return different;
  }

  /** The tokens (of {@code tokens}) the instance on {@code port} holds in its own store. */
  private static Set<String> owned(int port, java.util.Collection<String> tokens) {
    Set<String> held = new HashSet<>();
    for (String token : tokens) {
      JsonNode answer = introspect(port, Pipeline.jti(token), true);
      if (answer != null && answer.has("jti")) {
        held.add(token);
      }
    }
    return held;
  }

  private static <V extends org.apache.avro.specific.SpecificRecord> Map<String, Integer> perKey(
      String topic, Class<V> type) {
    Map<String, Integer> counts = new TreeMap<>();
    TopicReader.readAll(platform.bootstrapServers(), platform.schemaRegistryUrl(), topic, type)
        .forEach(
            r -> {
              if (r.value() != null) {
                counts.merge(r.key(), 1, Integer::sum);
              }
            });
    return counts;
  }

  private static List<SecurityAlert> alerts() {
    List<SecurityAlert> alerts = new ArrayList<>();
    TopicReader.readAll(
            platform.bootstrapServers(),
            platform.schemaRegistryUrl(),
            Topics.SECURITY_ALERTS.name(),
            SecurityAlert.class)
        .forEach(
            r -> {
              if (r.value() != null) {
                alerts.add(r.value());
              }
            });
    return alerts;
  }

  /** REPLAY_AFTER_REVOCATION alerts on the topic per token id, for the given tokens. */
  private static Map<String, Integer> replayAlerts(Set<String> tokens) {
    Map<String, Integer> perToken = new TreeMap<>();
    for (SecurityAlert alert : alerts()) {
      if (alert.getRule().name().equals("REPLAY_AFTER_REVOCATION")
          && alert.getTokenId() != null
          && tokens.contains(alert.getTokenId())) {
        perToken.merge(alert.getTokenId(), 1, Integer::sum);
      }
    }
    return perToken;
  }

  /** Records with a value on every topic the audit sink stores, read committed. */
  private static long auditedEvents() {
    return TopicReader.readRaw(platform.bootstrapServers(), AuditSinkApp.TOPICS).stream()
        .filter(r -> r.value() != null)
        .count();
  }

  private static void copyKeys(Path from, Path to) throws IOException {
    Path keys = Files.createDirectories(to.resolve("keys"));
    try (Stream<Path> files = Files.list(from.resolve("keys"))) {
      for (Path file : files.toList()) {
        Files.copy(file, keys.resolve(file.getFileName()));
      }
    }
  }

  private static Map<String, Object> streamSettings(int port, String name) {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put(RevocationStreamConfig.APPLICATION_ID, STREAM_APPLICATION_ID);
    settings.put(RevocationStreamConfig.BOOTSTRAP_SERVERS, platform.bootstrapServers());
    settings.put(RevocationStreamConfig.SCHEMA_REGISTRY_URL, platform.schemaRegistryUrl());
    settings.put(RevocationStreamConfig.STATE_DIR, dataDir.resolve(name).toString());
    settings.put(RevocationStreamConfig.HTTP_HOST, "localhost");
    settings.put(RevocationStreamConfig.HTTP_PORT, port);
    settings.put(RevocationStreamConfig.APPLICATION_SERVER, "localhost:" + port);
    settings.put(RevocationStreamConfig.INTROSPECTION_SECRET_SHA256, Introspection.secretHash());
    // A killed member's partitions move once the group notices it is gone: after the session
    // timeout, made short here so the test does not wait the default 45 s.
    settings.put(RevocationStreamConfig.STREAMS_PREFIX + "session.timeout.ms", 6_000);
    settings.put(RevocationStreamConfig.STREAMS_PREFIX + "heartbeat.interval.ms", 1_000);
    return settings;
  }

  private static Map<String, Object> issuerSettings(
      Map<String, Object> clients,
      Path policy,
      String issuerUrl,
      int port,
      Path data,
      String name) {
    Map<String, Object> settings = new LinkedHashMap<>(clients);
    settings.put(IssuerConfig.ISSUER_URL, issuerUrl);
    settings.put(IssuerConfig.PORT, port);
    settings.put(IssuerConfig.POLICY_FILE, policy.toString());
    settings.put(IssuerConfig.DATA_DIR, data.toString());
    settings.put(IssuerConfig.INSTANCE_ID, "cluster-issuer-" + name);
    return settings;
  }

  private static Map<String, Object> detectorSettings(String name) {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put(AnomalyDetectorConfig.BOOTSTRAP_SERVERS, platform.bootstrapServers());
    settings.put(AnomalyDetectorConfig.SCHEMA_REGISTRY_URL, platform.schemaRegistryUrl());
    settings.put(AnomalyDetectorConfig.STATE_DIR, dataDir.resolve("detector-" + name).toString());
    settings.put(AnomalyDetectorConfig.HTTP_PORT, 0);
    settings.put(AnomalyDetectorConfig.STREAMS_PREFIX + "session.timeout.ms", 6_000);
    settings.put(AnomalyDetectorConfig.STREAMS_PREFIX + "heartbeat.interval.ms", 1_000);
    return settings;
  }

  private static Map<String, Object> auditSettings(String name, Path dir) {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put(AuditSinkConfig.BOOTSTRAP_SERVERS, platform.bootstrapServers());
    settings.put(AuditSinkConfig.SCHEMA_REGISTRY_URL, platform.schemaRegistryUrl());
    // DuckDB keeps one writer per file: each sink its own store, in its own group (a full copy).
    settings.put(AuditSinkConfig.GROUP_ID, "tokenwatch-audit-sink-" + name);
    settings.put(AuditSinkConfig.DATA_DIR, dir.toString());
    settings.put(AuditSinkConfig.HTTP_PORT, 0);
    settings.put(AuditSinkConfig.BATCH_MAX_WAIT_MS, 50);
    settings.put(AuditSinkConfig.CHECKPOINT_INTERVAL_MS, 1_000);
    return settings;
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no output: " + e + ")";
    }
  }
}
