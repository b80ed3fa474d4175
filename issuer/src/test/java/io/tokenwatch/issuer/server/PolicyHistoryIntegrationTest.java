package io.tokenwatch.issuer.server;

import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS;
import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS_SECRET;
import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS_SERVICE;
import static io.tokenwatch.issuer.testkit.TestIssuer.basic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.tokenwatch.events.PolicyChangeSource;
import io.tokenwatch.events.PolicyChanged;
import io.tokenwatch.issuer.policy.PolicyHolder;
import io.tokenwatch.issuer.policy.history.InMemoryChangeApprovals;
import io.tokenwatch.issuer.testkit.Json;
import io.tokenwatch.people.PasswordHashes;
import io.tokenwatch.people.PeopleConfig;
import io.tokenwatch.people.Role;
import io.tokenwatch.people.UsersFile;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The policy history end to end on the broker: startup, a narrowing edit, a widening edit held
 * until approved, a rollback over HTTP, a restart, two instances recording one change, and hostile
 * requests to the endpoints.
 */
@KafkaIntegrationTest
class PolicyHistoryIntegrationTest {

  static final String PASSWORD = "policy history integration password";

  @TempDir Path dir;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  final InMemoryChangeApprovals approvals = new InMemoryChangeApprovals();
  String policyId;
  String original;
  Path users;

  @BeforeEach
  void files() throws Exception {
    // Its own policy id: the test JVM's one cluster keeps the histories of every test's issuers.
    policyId = "history-it-" + UUID.randomUUID().toString().substring(0, 8);
    try (InputStream in = getClass().getResourceAsStream("/sample-policy.yaml")) {
      original =
          new String(in.readAllBytes(), StandardCharsets.UTF_8)
              .replace("policy_id: tokenwatch-sample", "policy_id: " + policyId);
    }
    users = dir.resolve("users.yaml");
    String hash = PasswordHashes.hash(PASSWORD);
    UsersFile.write(
        users,
        List.of(
            new UsersFile.User("root", "Root Admin", EnumSet.of(Role.ADMIN), hash),
            new UsersFile.User("ann", "Ann Auditor", EnumSet.of(Role.AUDITOR), hash),
            new UsersFile.User("uma", "Uma User", EnumSet.of(Role.USER), hash),
            new UsersFile.User("carl", "Carl Approver", EnumSet.of(Role.APPROVER), hash),
            new UsersFile.User("dina", "Dina Approver", EnumSet.of(Role.APPROVER), hash)));
  }

  private IssuerConfig config(TestCluster cluster, Path policy, String instance) {
    Map<String, Object> settings = new HashMap<>();
    settings.put(IssuerConfig.ISSUER_URL, "http://localhost");
    settings.put(IssuerConfig.PORT, "0");
    settings.put(IssuerConfig.POLICY_FILE, policy.toString());
    // Reloads are driven by the test; the watcher would only race it.
    settings.put(IssuerConfig.POLICY_RELOAD_MS, "3600000");
    settings.put(IssuerConfig.DATA_DIR, dir.resolve("data").toString());
    settings.put(IssuerConfig.INSTANCE_ID, instance);
    settings.put(IssuerConfig.PRODUCE_TIMEOUT_MS, "30000");
    settings.put(IssuerConfig.BOOTSTRAP_SERVERS, cluster.bootstrapServers());
    settings.put(IssuerConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl());
    settings.put(PeopleConfig.USERS_FILE, users.toString());
    return IssuerConfig.of(settings);
  }

  static String narrowed(String document) {
    return document.replace("scopes: [orders:read, orders:write]", "scopes: [orders:read]");
  }

  static String widened(String document) {
    return document.replace("scopes: [orders:read]", "scopes: [orders:read, orders:export]");
  }

  @Test
  void shouldApproveAHeldWideningChangeAsAnAccessRequestNeedingTwoApprovers(TestCluster cluster)
      throws Exception {
    Path file = dir.resolve("policy.yaml");
    Files.writeString(file, narrowed(original));
    // No approvals given: the issuer's own access requests approve widening changes.
    try (IssuerServer server =
        IssuerServer.start(config(cluster, file, "history-access"), Clock.systemUTC())) {
      Files.writeString(file, widened(narrowed(original)));
      assertThat(server.policy().reload()).isInstanceOf(PolicyHolder.ReloadResult.Held.class);
      String digest =
          json(get(server, "/policy/pending", "ann"), 200).at("/pending/digest").asText();

      JsonNode request = policyChangeRequest(server, digest);
      assertThat(request.get("requester").asText()).isEqualTo("policy-file");
      assertThat(request.get("approvals_required").asInt()).isEqualTo(2);
      String id = request.get("id").asText();

      // One approval is not enough for a high-risk scope: the change stays held.
      json(
          post(server, "/access-requests/" + id + "/approve", "carl", "application/json", "{}"),
          200);
      assertThat(server.policy().reload()).isNotInstanceOf(PolicyHolder.ReloadResult.Loaded.class);
      assertThat(json(get(server, "/policy/pending", "ann"), 200).get("pending").isNull())
          .isFalse();
      assertThat(token(server, "orders:export").statusCode()).isEqualTo(400);
      // The same approver twice does not count twice.
      assertThat(
              post(server, "/access-requests/" + id + "/approve", "carl", "application/json", "{}")
                  .statusCode())
          .isEqualTo(409);
      assertThat(server.policy().reload()).isNotInstanceOf(PolicyHolder.ReloadResult.Loaded.class);
      assertThat(json(get(server, "/policy/pending", "ann"), 200).get("pending").isNull())
          .isFalse();

      JsonNode approved =
          json(
              post(server, "/access-requests/" + id + "/approve", "dina", "application/json", "{}"),
              200);
      assertThat(approved.get("status").asText()).isEqualTo("approved");
      assertThat(server.policy().reload()).isInstanceOf(PolicyHolder.ReloadResult.Loaded.class);
      assertThat(token(server, "orders:export").statusCode()).isEqualTo(200);
      JsonNode history = json(get(server, "/policy/history", "ann"), 200).get("versions");
      JsonNode last = history.get(history.size() - 1);
      assertThat(last.get("source").asText()).isEqualTo("APPROVED_CHANGE");
      assertThat(last.get("digest").asText()).isEqualTo(digest);
      assertThat(last.get("approvals").toString()).contains(id).contains("carl").contains("dina");
    }
  }

  private JsonNode policyChangeRequest(IssuerServer server, String digest) throws Exception {
    JsonNode requests =
        json(get(server, "/access-requests?status=pending", "carl"), 200).get("requests");
    for (JsonNode request : requests) {
      if (request.get("kind").asText().equals("policy_change")
          && digest.equals(request.get("policy_digest").asText())) {
        return request;
      }
    }
    throw new AssertionError("no pending policy-change request for " + digest + ": " + requests);
  }

  @Test
  void shouldRecordEveryPolicyInForceHoldWideningUntilApprovedAndRollBack(TestCluster cluster)
      throws Exception {
    Path file = dir.resolve("policy.yaml");
    Files.writeString(file, original);
    String v3Digest;
    try (IssuerServer server =
        IssuerServer.start(config(cluster, file, "history-a"), Clock.systemUTC(), approvals)) {
      JsonNode history = json(get(server, "/policy/history", "ann"), 200);
      assertThat(history.get("versions")).hasSize(1);
      assertThat(history.at("/versions/0/source").asText()).isEqualTo("STARTUP");
      assertThat(history.at("/versions/0/digest").asText())
          .isEqualTo(server.policy().current().version())
          .isEqualTo(history.get("in_force").asText());

      // A narrowing edit comes into force at once.
      Files.writeString(file, narrowed(original));
      assertThat(server.policy().reload()).isInstanceOf(PolicyHolder.ReloadResult.Loaded.class);
      JsonNode v2 = json(get(server, "/policy/history/2", "ann"), 200);
      assertThat(v2.get("source").asText()).isEqualTo("FILE_RELOAD");
      assertThat(v2.get("author").asText()).isEqualTo("policy-file");
      assertThat(v2.get("document").asText()).isEqualTo(narrowed(original));
      assertThat(v2.get("diff").get(0).asText())
          .isEqualTo("- client orders-service: scope orders:write for " + ORDERS + " (medium)");

      // A widening edit past the threshold waits; the previous policy stays in force.
      Files.writeString(file, widened(narrowed(original)));
      assertThat(server.policy().reload()).isInstanceOf(PolicyHolder.ReloadResult.Held.class);
      assertThat(token(server, "orders:export").statusCode()).isEqualTo(400);
      JsonNode pending = json(get(server, "/policy/pending", "ann"), 200).get("pending");
      v3Digest = pending.get("digest").asText();
      assertThat(pending.get("requester").asText()).isEqualTo("policy-file");
      assertThat(pending.at("/needs_approval/0/scope").asText()).isEqualTo("orders:export");
      assertThat(pending.at("/needs_approval/0/risk").asText()).isEqualTo("high");
      assertThat(approvals.requests()).containsOnlyKeys(v3Digest);
      assertThat(json(get(server, "/policy/history", "ann"), 200).get("versions")).hasSize(2);

      // Approved: it comes into force on the next poll, naming its approvals.
      approvals.approve(v3Digest, List.of("alice", "bob"));
      assertThat(server.policy().reload()).isInstanceOf(PolicyHolder.ReloadResult.Loaded.class);
      assertThat(token(server, "orders:export").statusCode()).isEqualTo(200);
      JsonNode v3 = json(get(server, "/policy/history/3", "ann"), 200);
      assertThat(v3.get("source").asText()).isEqualTo("APPROVED_CHANGE");
      assertThat(v3.get("digest").asText()).isEqualTo(v3Digest);
      assertThat(v3.get("approvals")).hasSize(2);
      assertThat(json(get(server, "/policy/pending", "ann"), 200).get("pending").isNull()).isTrue();
      JsonNode diff = json(get(server, "/policy/diff?from=2&to=3", "ann"), 200);
      assertThat(diff.get("lines").get(0).asText())
          .isEqualTo("+ client orders-service: scope orders:export for " + ORDERS + " (high)");

      // Rollback to 1 over HTTP, by an admin.
      HttpResponse<String> rolled =
          post(server, "/policy/rollback", "root", "application/json", "{\"version\": 1}");
      JsonNode v4 = json(rolled, 200);
      assertThat(v4.get("version").asLong()).isEqualTo(4);
      assertThat(v4.get("source").asText()).isEqualTo("ROLLBACK");
      assertThat(v4.get("author").asText()).isEqualTo("root");
      assertThat(v4.get("rolled_back_to").asLong()).isEqualTo(1);
      assertThat(Files.readString(file)).isEqualTo(original);
      assertThat(json(get(server, "/policy/history/4", "ann"), 200).get("document").asText())
          .isEqualTo(original);
      assertThat(token(server, "orders:export").statusCode()).isEqualTo(400);
      assertThat(json(get(server, "/policy/diff?from=1&to=4", "root"), 200).get("lines")).isEmpty();

      refusesHostileRequests(server);
      assertThat(json(get(server, "/policy/history", "ann"), 200).get("versions")).hasSize(4);
    }

    // A restart with the unchanged document writes nothing.
    try (IssuerServer restarted =
        IssuerServer.start(config(cluster, file, "history-b"), Clock.systemUTC(), approvals)) {
      JsonNode history = json(get(restarted, "/policy/history", "ann"), 200);
      assertThat(history.get("versions")).hasSize(4);
      assertThat(history.get("in_force").asText())
          .isEqualTo(history.at("/versions/0/digest").asText());
    }

    // What the topic holds is what was written and read back.
    List<PolicyChanged> records = records(cluster, 4);
    assertThat(records).extracting(PolicyChanged::getVersion).containsExactly(1L, 2L, 3L, 4L);
    assertThat(records)
        .extracting(PolicyChanged::getSource)
        .containsExactly(
            PolicyChangeSource.STARTUP,
            PolicyChangeSource.FILE_RELOAD,
            PolicyChangeSource.APPROVED_CHANGE,
            PolicyChangeSource.ROLLBACK);
    assertThat(records.get(2).getDigest()).isEqualTo(v3Digest);
    assertThat(records.get(3).getDocument()).isEqualTo(original);
    assertThat(records.get(3).getRolledBackTo()).isEqualTo(1L);
    assertThat(records.get(1).getPreviousVersion()).isEqualTo(1L);
  }

  @Test
  void shouldRecordOneVersionWhenTwoInstancesLoadTheSameChange(TestCluster cluster)
      throws Exception {
    Path fileA = dir.resolve("a.yaml");
    Path fileB = dir.resolve("b.yaml");
    Files.writeString(fileA, original);
    Files.writeString(fileB, original);
    try (IssuerServer a = IssuerServer.start(config(cluster, fileA, "twin-a"));
        IssuerServer b = IssuerServer.start(config(cluster, fileB, "twin-b"))) {
      Files.writeString(fileA, narrowed(original));
      Files.writeString(fileB, narrowed(original));
      CountDownLatch go = new CountDownLatch(1);
      List<CompletableFuture<PolicyHolder.ReloadResult>> reloads = new ArrayList<>();
      for (IssuerServer server : List.of(a, b)) {
        reloads.add(
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    go.await();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  return server.policy().reload();
                }));
      }
      go.countDown();
      for (CompletableFuture<PolicyHolder.ReloadResult> reload : reloads) {
        assertThat(reload.get()).isInstanceOf(PolicyHolder.ReloadResult.Loaded.class);
      }

      for (IssuerServer server : List.of(a, b)) {
        JsonNode history = json(get(server, "/policy/history", "ann"), 200);
        assertThat(history.get("versions")).hasSize(2);
        assertThat(history.at("/versions/1/digest").asText())
            .isEqualTo(a.policy().current().version())
            .isEqualTo(b.policy().current().version());
      }
    }
  }

  private void refusesHostileRequests(IssuerServer server) throws Exception {
    String body = "{\"version\": 2}";
    assertProblem(post(server, "/policy/rollback", null, "application/json", body), 401);
    assertProblem(post(server, "/policy/rollback", "uma", "application/json", body), 403);
    assertProblem(post(server, "/policy/rollback", "ann", "application/json", body), 403);
    assertProblem(
        post(server, "/policy/rollback", "root", "application/json", "{\"version\": 99}"), 404);
    assertProblem(
        post(server, "/policy/rollback", "root", "application/json", "{\"version\": 1}"), 409);
    assertProblem(post(server, "/policy/rollback", "root", "application/json", "{\"version"), 400);
    assertProblem(
        post(server, "/policy/rollback", "root", "application/json", "{\"version\": \"2\"}"), 400);
    assertProblem(
        post(server, "/policy/rollback", "root", "application/json", "{\"version\": -3}"), 400);
    assertProblem(post(server, "/policy/rollback", "root", "application/json", "[]"), 400);
    assertProblem(post(server, "/policy/rollback", "root", "text/plain", body), 415);
    assertProblem(
        post(
            server,
            "/policy/rollback",
            "root",
            "application/json",
            "{\"version\": 99999999999999999999999}"),
        400);
    assertProblem(get(server, "/policy/history/abc", "ann"), 400);
    assertProblem(get(server, "/policy/history/0", "ann"), 400);
    assertProblem(get(server, "/policy/history/77", "ann"), 404);
    assertProblem(get(server, "/policy/diff?from=1", "ann"), 400);
    assertProblem(get(server, "/policy/diff?from=1&to=x", "ann"), 400);
    assertProblem(get(server, "/policy/diff?from=1&to=70", "ann"), 404);
    assertProblem(get(server, "/policy/history", "uma"), 403);
    assertProblem(get(server, "/policy/history", null), 401);

    // A browser session of an admin: a rollback without the session's CSRF token is forged.
    String session = login(server, "root");
    HttpResponse<String> forged =
        send(
            HttpRequest.newBuilder(uri(server, "/policy/rollback"))
                .header("Cookie", session)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    assertProblem(forged, 403);
    HttpResponse<String> withToken =
        send(
            HttpRequest.newBuilder(uri(server, "/policy/rollback"))
                .header("Cookie", session)
                .header("X-CSRF-Token", csrf(send(loginPage(server, session)).body()))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"version\": 1}")));
    // Past the CSRF check: version 1's document is the one in force.
    assertProblem(withToken, 409);
  }

  /** Logs in through the login form; the session cookie as a Cookie header value. */
  private String login(IssuerServer server, String user) throws Exception {
    HttpResponse<String> page = send(loginPage(server, null));
    String preSession = cookie(page);
    HttpResponse<String> loggedIn =
        send(
            HttpRequest.newBuilder(uri(server, "/login"))
                .header("Cookie", preSession)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "csrf="
                            + csrf(page.body())
                            + "&next=&username="
                            + user
                            + "&password="
                            + java.net.URLEncoder.encode(PASSWORD, StandardCharsets.UTF_8))));
    assertThat(loggedIn.statusCode()).as(loggedIn.body()).isEqualTo(303);
    return cookie(loggedIn);
  }

  private static HttpRequest.Builder loginPage(IssuerServer server, String cookie) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri(server, "/login")).header("Accept", "text/html").GET();
    if (cookie != null) {
      request.header("Cookie", cookie);
    }
    return request;
  }

  private static String cookie(HttpResponse<String> response) {
    String setCookie = response.headers().firstValue("Set-Cookie").orElseThrow();
    return setCookie.substring(0, setCookie.indexOf(';'));
  }

  private static String csrf(String html) {
    java.util.regex.Matcher matcher =
        java.util.regex.Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"").matcher(html);
    assertThat(matcher.find()).as(html).isTrue();
    return matcher.group(1);
  }

  private static URI uri(IssuerServer server, String path) {
    return URI.create("http://localhost:" + server.port() + path);
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(
        request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void assertProblem(HttpResponse<String> response, int status) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type"))
        .get()
        .asString()
        .startsWith("application/problem+json");
    assertThat(Json.tree(response.body()).get("status").asInt()).isEqualTo(status);
  }

  private static JsonNode json(HttpResponse<String> response, int status) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    return Json.tree(response.body());
  }

  private HttpResponse<String> token(IssuerServer server, String scope) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + "/oauth2/token"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .timeout(Duration.ofSeconds(60))
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "grant_type=client_credentials&audience=" + ORDERS + "&scope=" + scope));
    basic(ORDERS_SERVICE, ORDERS_SECRET).forEach(request::header);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(IssuerServer server, String path, String user) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path))
            .timeout(Duration.ofSeconds(60))
            .GET();
    authorize(request, user);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(
      IssuerServer server, String path, String user, String contentType, String body)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofString(body));
    authorize(request, user);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void authorize(HttpRequest.Builder request, String user) {
    if (user != null) {
      request.header(
          "Authorization",
          "Basic "
              + Base64.getEncoder()
                  .encodeToString((user + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8)));
    }
  }

  private List<PolicyChanged> records(TestCluster cluster, int count) {
    SerdeConfig serde =
        SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl()));
    List<PolicyChanged> values = new ArrayList<>();
    try (KafkaConsumer<String, PolicyChanged> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "policy-history-it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest"),
            new StringDeserializer(),
            AvroSerdes.specific(
                    PolicyChanged.class,
                    new HttpSchemaRegistryClient(serde.registrySettings()),
                    serde,
                    false)
                .deserializer())) {
      consumer.subscribe(List.of(Topics.POLICY_CHANGES.name()));
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                for (ConsumerRecord<String, PolicyChanged> record :
                    consumer.poll(Duration.ofMillis(500))) {
                  if (record.key().equals(policyId)) {
                    values.add(record.value());
                  }
                }
                return values.size() >= count;
              });
    }
    return values;
  }
}
