package io.tokenwatch.issuer.server;

import static io.tokenwatch.issuer.testkit.TestIssuer.AGENT;
import static io.tokenwatch.issuer.testkit.TestIssuer.AGENT_SECRET;
import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS;
import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS_SECRET;
import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS_SERVICE;
import static io.tokenwatch.issuer.testkit.TestIssuer.basic;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.events.RefreshGrantChanged;
import io.tokenwatch.events.RefreshGrantStatus;
import io.tokenwatch.issuer.kafka.KafkaEventLog;
import io.tokenwatch.issuer.kafka.KafkaRefreshGrantStore;
import io.tokenwatch.issuer.testkit.Dpop;
import io.tokenwatch.issuer.testkit.Json;
import io.tokenwatch.issuer.token.TokenService;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same refresh token presented at two issuer instances at once, many times, on a real broker:
 * each instance has its own grant store following the grant topic. Every race must end in exactly
 * one rotation handed out and one {@code invalid_grant} (reuse), whichever instance read what
 * first; the grant ends revoked, so the winner's new refresh token no longer works; and a reader
 * that starts afterwards (a restarted instance) finds every raced grant revoked.
 */
@KafkaIntegrationTest
class RefreshRaceAcrossInstancesIntegrationTest {

  private static final String ISSUER_URL = "http://localhost";
  private static final int RACES = 200;

  @TempDir Path dir;
  final HttpClient http = HttpClient.newHttpClient();
  final Dpop agentKey = new Dpop();

  @Test
  void shouldRotateOnceAndRevokeTheGrantWhenTwoInstancesGetTheSameRefreshTokenAtOnce(
      TestCluster cluster) throws Exception {
    ExecutorService presenters = Executors.newFixedThreadPool(2);
    Map<String, Integer> outcomes = new TreeMap<>();
    Map<String, Integer> winners = new TreeMap<>();
    List<String> grants = new ArrayList<>();
    long lostInTheLog = 0;
    try (IssuerServer a = IssuerServer.start(config(cluster, "issuer-a"));
        IssuerServer b = IssuerServer.start(config(cluster, "issuer-b"))) {
      for (int race = 0; race < RACES; race++) {
        // Alternate where the grant is opened, so either instance may be the one behind.
        IssuerServer opener = race % 2 == 0 ? a : b;
        String refreshToken = delegatedGrant(opener);
        grants.add(refreshToken.split("\\.")[1]);
        CyclicBarrier start = new CyclicBarrier(2);
        Future<HttpResponse<String>> atA =
            presenters.submit(
                () -> {
                  start.await(10, TimeUnit.SECONDS);
                  return refresh(a, refreshToken);
                });
        Future<HttpResponse<String>> atB =
            presenters.submit(
                () -> {
                  start.await(10, TimeUnit.SECONDS);
                  return refresh(b, refreshToken);
                });
        HttpResponse<String> fromA = atA.get(60, TimeUnit.SECONDS);
        HttpResponse<String> fromB = atB.get(60, TimeUnit.SECONDS);
        List<HttpResponse<String>> answers = List.of(fromA, fromB);
        String outcome =
            answers.stream()
                .map(RefreshRaceAcrossInstancesIntegrationTest::outcome)
                .sorted()
                .toList()
                .toString();
        outcomes.merge(outcome, 1, Integer::sum);
        HttpResponse<String> won =
            answers.stream().filter(r -> r.statusCode() == 200).findFirst().orElse(null);
        if (won == null) {
          continue;
        }
        winners.merge(won == fromA ? "issuer-a" : "issuer-b", 1, Integer::sum);
        String rotated = Json.field(won.body(), "refresh_token");
        outcomes.merge(
            "winner's new token at issuer-a: " + outcome(refresh(a, rotated)), 1, Integer::sum);
        outcomes.merge(
            "winner's new token at issuer-b: " + outcome(refresh(b, rotated)), 1, Integer::sum);
      }
      lostInTheLog = lostRotations(a) + lostRotations(b);
    } finally {
      presenters.shutdownNow();
    }

    assertThat(outcomes)
        .as(
            "outcomes of %d races (winners by instance: %s; rotations that lost in the log rather"
                + " than being seen as reuse before writing: %d)",
            RACES, winners, lostInTheLog)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "[200, 400 invalid_grant]", RACES,
                "winner's new token at issuer-a: 400 invalid_grant", RACES,
                "winner's new token at issuer-b: 400 invalid_grant", RACES));
    Map<RefreshGrantStatus, Integer> lateReader = lateReaderStatuses(cluster, grants);
    assertThat(lateReader)
        .as("the raced grants as a reader that starts now folds them")
        .containsExactlyEntriesOf(Map.of(RefreshGrantStatus.REVOKED, RACES));
  }

  /** The instance's count of its rotations that lost in the grant log, from its metrics. */
  private long lostRotations(IssuerServer server) throws Exception {
    HttpResponse<String> metrics =
        http.send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + "/metrics"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return metrics
        .body()
        .lines()
        .filter(line -> line.startsWith("tokenwatch_issuer_refresh_races_total"))
        .mapToLong(line -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
        .sum();
  }

  /** What a reader that starts after the races (a restarted instance) knows of the grants. */
  private static Map<RefreshGrantStatus, Integer> lateReaderStatuses(
      TestCluster cluster, List<String> grants) {
    SerdeConfig serdes =
        SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl()));
    Duration timeout = Duration.ofSeconds(30);
    Map<RefreshGrantStatus, Integer> statuses = new TreeMap<>();
    try (KafkaEventLog log =
            new KafkaEventLog(
                KafkaEventLog.producer(
                    KafkaEventLog.producerConfig(cluster.bootstrapServers(), timeout)),
                new HttpSchemaRegistryClient(serdes.registrySettings()),
                timeout);
        KafkaRefreshGrantStore late =
            new KafkaRefreshGrantStore(
                log,
                Map.of("bootstrap.servers", cluster.bootstrapServers()),
                new HttpSchemaRegistryClient(serdes.registrySettings()))) {
      late.start(Duration.ofSeconds(60));
      for (String grant : grants) {
        RefreshGrantStatus status =
            late.get(grant).map(RefreshGrantChanged::getStatus).orElse(RefreshGrantStatus.UNKNOWN);
        statuses.merge(status, 1, Integer::sum);
      }
    }
    return statuses;
  }

  private static String outcome(HttpResponse<String> response) {
    return response.statusCode() == 200
        ? "200"
        : response.statusCode() + " " + Json.field(response.body(), "error");
  }

  /** A delegated grant of the reporting agent, opened at {@code server}; its refresh token. */
  private String delegatedGrant(IssuerServer server) throws Exception {
    HttpResponse<String> issued =
        post(
            server,
            form("grant_type", "client_credentials", "audience", ORDERS, "scope", "orders:read"),
            basic(ORDERS_SERVICE, ORDERS_SECRET));
    assertThat(issued.statusCode()).as(issued.body()).isEqualTo(200);
    HttpResponse<String> exchanged =
        post(
            server,
            form(
                "grant_type",
                TokenService.TOKEN_EXCHANGE,
                "subject_token",
                Json.field(issued.body(), "access_token"),
                "subject_token_type",
                TokenService.ACCESS_TOKEN_TYPE,
                "scope",
                "orders:read"),
            agentHeaders());
    assertThat(exchanged.statusCode()).as(exchanged.body()).isEqualTo(200);
    return Json.field(exchanged.body(), "refresh_token");
  }

  private HttpResponse<String> refresh(IssuerServer server, String refreshToken) throws Exception {
    return post(
        server, form("grant_type", "refresh_token", "refresh_token", refreshToken), agentHeaders());
  }

  private Map<String, String> agentHeaders() {
    Map<String, String> headers = new HashMap<>(basic(AGENT, AGENT_SECRET));
    headers.put("DPoP", agentKey.proof("POST", ISSUER_URL + "/oauth2/token", Instant.now()));
    return headers;
  }

  private IssuerConfig config(TestCluster cluster, String instanceId) throws Exception {
    Path policy = dir.resolve("policy.yaml");
    if (!Files.exists(policy)) {
      try (InputStream in = getClass().getResourceAsStream("/sample-policy.yaml")) {
        Files.write(policy, in.readAllBytes());
      }
    }
    return IssuerConfig.of(
        Map.of(
            IssuerConfig.ISSUER_URL,
            ISSUER_URL,
            IssuerConfig.PORT,
            "0",
            IssuerConfig.POLICY_FILE,
            policy.toString(),
            IssuerConfig.DATA_DIR,
            dir.resolve(instanceId).toString(),
            IssuerConfig.INSTANCE_ID,
            instanceId,
            IssuerConfig.PRODUCE_TIMEOUT_MS,
            "30000",
            IssuerConfig.BOOTSTRAP_SERVERS,
            cluster.bootstrapServers(),
            IssuerConfig.SCHEMA_REGISTRY_URL,
            cluster.schemaRegistryUrl()));
  }

  private HttpResponse<String> post(IssuerServer server, String body, Map<String, String> headers)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + "/oauth2/token"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(request::header);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String form(String... pairs) {
    StringJoiner body = new StringJoiner("&");
    for (int i = 0; i < pairs.length; i += 2) {
      body.add(
          URLEncoder.encode(pairs[i], StandardCharsets.UTF_8)
              + "="
              + URLEncoder.encode(pairs[i + 1], StandardCharsets.UTF_8));
    }
    return body.toString();
  }
}
