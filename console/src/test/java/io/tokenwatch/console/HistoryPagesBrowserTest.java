package io.tokenwatch.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenwatch.audit.app.AuditSinkApp;
import io.tokenwatch.audit.app.AuditSinkConfig;
import io.tokenwatch.events.BindingType;
import io.tokenwatch.events.ChannelBinding;
import io.tokenwatch.events.GrantType;
import io.tokenwatch.events.PolicyRef;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.issuer.server.IssuerConfig;
import io.tokenwatch.issuer.server.IssuerServer;
import io.tokenwatch.people.PeopleConfig;
import io.tokenwatch.people.PersonAssertions;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.TopicEnsurer;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import io.tokenwatch.testing.browser.Axe;
import io.tokenwatch.testing.browser.Browser;
import io.tokenwatch.testing.browser.BrowserSteps;
import java.io.File;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/**
 * The Grants, Timeline and Audit pages in a real headless Chromium, over a real issuer (tokens,
 * revocations, access requests as the person) and a real audit sink (its query API), on the test
 * cluster: what the pipeline recorded shows up, a page at a time, escaped, with the audit chain's
 * state, and only for the roles that may see it.
 */
@KafkaIntegrationTest
@ExtendWith(Browser.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HistoryPagesBrowserTest {

  /** The sample policy's console client; its secret is public (issuer/README.md). */
  static final String CONSOLE_CLIENT = "security-console";

  static final String CONSOLE_SECRET = "demo-security-console-secret-not-for-prod-use";
  static final String XSS = "<img src=x onerror=alert(1)>";
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir static Path dir;
  IssuerServer issuer;
  AuditSinkApp sink;
  ConsoleHarness console;
  TestCluster cluster;

  /** A token issued, used and revoked through the real pipeline. */
  String usedJti;

  /** The subject of the grants produced for the pagination test. */
  final String pagedSubject = "pager-" + UUID.randomUUID();

  final List<String> pagedTokens = new ArrayList<>();

  @BeforeAll
  void start(TestCluster testCluster) throws Exception {
    cluster = testCluster;
    TopicEnsurer.ensureCatalogue(
        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()), registry());
    Path users = ConsoleHarness.writeUsers(dir.resolve("users.yaml"));
    Path assertionSecret =
        PersonAssertions.createSecretFile(dir.resolve("people-assertion.secret"));
    Path policy = dir.resolve("policy.yaml");
    try (InputStream sample = IssuerServer.class.getResourceAsStream("/sample-policy.yaml")) {
      Files.copy(sample, policy, StandardCopyOption.REPLACE_EXISTING);
    }
    int issuerPort = ConsoleServer.FreePort.find();
    String issuerUrl = "http://localhost:" + issuerPort;
    Map<String, Object> issuerSettings = new HashMap<>();
    issuerSettings.put(IssuerConfig.ISSUER_URL, issuerUrl);
    issuerSettings.put(IssuerConfig.PORT, issuerPort);
    issuerSettings.put(IssuerConfig.POLICY_FILE, policy.toString());
    issuerSettings.put(IssuerConfig.DATA_DIR, dir.resolve("issuer").toString());
    issuerSettings.put(IssuerConfig.PRODUCE_TIMEOUT_MS, 30_000);
    issuerSettings.put(IssuerConfig.BOOTSTRAP_SERVERS, cluster.bootstrapServers());
    issuerSettings.put(IssuerConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl());
    issuerSettings.put(PeopleConfig.USERS_FILE, users.toString());
    issuerSettings.put(PeopleConfig.ASSERTION_SECRET_FILE, assertionSecret.toString());
    issuer = IssuerServer.start(IssuerConfig.of(issuerSettings));

    Map<String, Object> sinkSettings = new HashMap<>();
    sinkSettings.put(AuditSinkConfig.BOOTSTRAP_SERVERS, cluster.bootstrapServers());
    sinkSettings.put(AuditSinkConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl());
    sinkSettings.put(AuditSinkConfig.GROUP_ID, "it-console-history-" + UUID.randomUUID());
    sinkSettings.put(AuditSinkConfig.DATA_DIR, dir.resolve("audit").toString());
    sinkSettings.put(AuditSinkConfig.HTTP_PORT, 0);
    sinkSettings.put(AuditSinkConfig.BATCH_MAX_WAIT_MS, 50);
    sinkSettings.put(AuditSinkConfig.CHECKPOINT_INTERVAL_MS, 500);
    sinkSettings.put(AuditSinkConfig.API_ISSUER, issuerUrl);
    sink = AuditSinkApp.start(sinkSettings);

    Path clientSecret = dir.resolve("console-client.secret");
    Files.writeString(clientSecret, CONSOLE_SECRET + "\n");
    console =
        ConsoleHarness.start(
            cluster,
            dir,
            Map.of(
                ConsoleConfig.ISSUER_URL,
                issuerUrl,
                ConsoleConfig.AUDIT_URL,
                "http://localhost:" + sink.httpPort(),
                ConsoleConfig.CLIENT_ID,
                CONSOLE_CLIENT,
                ConsoleConfig.CLIENT_SECRET_FILE,
                clientSecret.toString()));
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> get(issuerUrl + "/ready", null).statusCode() == 200);

    // Issue, use and revoke one token through the real services: an audit:read token of the
    // console's client, used at the audit API (which reports its uses), revoked at the issuer.
    String token = clientToken(issuerUrl);
    usedJti = jti(token);
    String api = "http://localhost:" + sink.httpPort() + "/api/v1/checkpoints?limit=1";
    await().atMost(Duration.ofSeconds(60)).until(() -> get(api, token).statusCode() == 200);
    HttpResponse<String> revoked =
        post(
            issuerUrl + "/admin/revocations",
            "{\"kind\":\"token\",\"value\":\"" + usedJti + "\",\"reason\":\"COMPROMISED\"}");
    assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(202);

    // Grants attackers can shape (a client id that is markup) and enough of them to page through,
    // three sharing one millisecond so a page boundary falls inside it.
    Instant at = Instant.now().minusSeconds(60);
    List<TokenIssued> issued = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String id = "tok-page-" + i + "-" + UUID.randomUUID();
      pagedTokens.add(id);
      issued.add(issued(id, pagedSubject, "reporting-agent", at.plusMillis(i < 3 ? 0 : i)));
    }
    issued.add(issued("tok-xss-" + UUID.randomUUID(), pagedSubject + "-xss", XSS, at));
    produce(issued);

    await()
        .atMost(Duration.ofSeconds(90))
        .untilAsserted(
            () -> {
              JsonNode timeline =
                  JSON.readTree(
                      get(
                              "http://localhost:"
                                  + sink.httpPort()
                                  + "/api/v1/tokens/"
                                  + usedJti
                                  + "/timeline",
                              clientToken(issuerUrl))
                          .body());
              List<String> types = new ArrayList<>();
              timeline.path("events").forEach(e -> types.add(e.path("type").asText()));
              assertThat(types).contains("TokenIssued", "TokenUsed", "RevocationRequested");
              JsonNode grants =
                  JSON.readTree(
                      get(
                              "http://localhost:"
                                  + sink.httpPort()
                                  + "/api/v1/grants?subject="
                                  + URLEncoder.encode(
                                      pagedSubject + "-xss", StandardCharsets.UTF_8),
                              clientToken(issuerUrl))
                          .body());
              assertThat(grants.path("count").asInt()).isEqualTo(1);
            });
  }

  @AfterAll
  void stop() {
    if (console != null) {
      console.close();
    }
    if (sink != null) {
      sink.close();
    }
    if (issuer != null) {
      issuer.close();
    }
  }

  @Test
  void shouldShowATokenIssuedUsedAndRevokedOnItsTimelineWithItsChainState(WebDriver browser)
      throws Exception {
    console.logIn(browser, "alice", "/timeline?token=" + usedJti);

    assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Timeline");
    List<String> types = new ArrayList<>();
    List<WebElement> rows = browser.findElements(By.cssSelector("table.timeline tbody tr"));
    rows.forEach(row -> types.add(row.findElements(By.tagName("td")).get(1).getText()));
    assertThat(types).contains("TokenIssued", "TokenUsed", "RevocationRequested");
    assertThat(types.indexOf("TokenIssued")).isLessThan(types.indexOf("TokenUsed"));
    assertThat(types.indexOf("TokenUsed")).isLessThan(types.indexOf("RevocationRequested"));
    String page = browser.findElement(By.cssSelector("table.timeline")).getText();
    assertThat(page).contains(AuditSinkApp.API_VALIDATOR_ID).contains("/api/v1/");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              browser.navigate().refresh();
              assertThat(browser.findElement(By.cssSelector("table.timeline")).getText())
                  .contains("sealed by checkpoint");
            });
    assertThat(Axe.seriousViolations(browser)).isEmpty();
    screenshot(browser, "timeline.png");
  }

  @Test
  void shouldPageThroughGrantsShowingEachOnceAcrossAMillisecondBoundary(WebDriver browser) {
    console.logIn(browser, "alice", "/grants?limit=2&subject=" + pagedSubject);

    List<String> seen = new ArrayList<>();
    int pages = 0;
    while (true) {
      pages++;
      browser
          .findElements(By.cssSelector("table.grants tbody tr td:first-child a"))
          .forEach(a -> seen.add(a.getText()));
      List<WebElement> next = browser.findElements(By.cssSelector("a.next"));
      if (next.isEmpty()) {
        break;
      }
      BrowserSteps.clickAndWait(browser, next.get(0));
    }
    assertThat(pages).isEqualTo(3);
    assertThat(seen).containsExactlyElementsOf(pagedTokens);
  }

  @Test
  void shouldShowGrantsWithWhyAndTheirStateAndNoSeriousAccessibilityViolation(WebDriver browser)
      throws Exception {
    console.logIn(browser, "aude", "/grants?client=" + CONSOLE_CLIENT + "&scope=audit:read");

    String table = browser.findElement(By.cssSelector("table.grants")).getText();
    assertThat(table).contains(usedJti).contains("revoked").contains("sample");
    assertThat(browser.findElements(By.cssSelector("table.grants tbody tr td.client")))
        .allSatisfy(cell -> assertThat(cell.getText()).isEqualTo(CONSOLE_CLIENT));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> !browser.findElements(By.cssSelector("#least-privilege + div p")).isEmpty());
    assertThat(Axe.seriousViolations(browser)).isEmpty();
    screenshot(browser, "grants.png");
  }

  @Test
  void shouldRenderAClientIdThatIsMarkupAsText(WebDriver browser) {
    console.logIn(browser, "alice", "/grants?subject=" + pagedSubject + "-xss");

    WebElement cell = browser.findElement(By.cssSelector("table.grants tbody td.client"));
    assertThat(cell.getText()).isEqualTo(XSS);
    assertThat(browser.findElements(By.cssSelector("main img"))).isEmpty();
  }

  @Test
  void shouldOpenANarrowingAccessRequestAtTheIssuerAsThePerson(WebDriver browser) throws Exception {
    console.logIn(browser, "adam", "/grants/least-privilege?days=1");
    // Delegated tokens make the client and subject one principal: this test's own finding.
    WebElement row =
        browser.findElements(By.cssSelector("table.findings tbody tr")).stream()
            .filter(r -> r.findElement(By.cssSelector("td.behalf")).getText().equals(pagedSubject))
            .findFirst()
            .orElseThrow();
    assertThat(row.getText()).contains("reporting-agent").contains("orders:read");

    BrowserSteps.clickAndWait(browser, row.findElement(By.tagName("button")));

    assertThat(browser.findElement(By.cssSelector("main .message")).getText())
        .startsWith("Access request ")
        .contains("waits for approvers");
    HttpResponse<String> requests =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(issuer.issuerUrl() + "/access-requests"))
                .header("Authorization", basicUser("adam"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(requests.body()).contains("\"kind\":\"narrow\"").contains("\"requester\":\"adam\"");
  }

  @Test
  void shouldVerifyTheChainOnlyWhenAskedAndListCheckpoints(WebDriver browser) throws Exception {
    console.logIn(browser, "aude", "/audit");

    assertThat(browser.findElements(By.id("verification"))).isEmpty();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              browser.navigate().refresh();
              assertThat(browser.findElements(By.cssSelector("table.checkpoints tbody tr")))
                  .isNotEmpty();
            });
    BrowserSteps.clickAndWait(browser, browser.findElement(By.cssSelector("button.verify")));

    assertThat(browser.findElement(By.id("verification")).getText())
        .startsWith("The history verifies:");
    assertThat(Axe.seriousViolations(browser)).isEmpty();
    screenshot(browser, "audit.png");
  }

  @Test
  void shouldExportAWindowAsJsonLinesThroughTheConsole() throws Exception {
    Instant to = Instant.now().plusSeconds(1);
    HttpResponse<String> export =
        HTTP.send(
            HttpRequest.newBuilder(
                    URI.create(
                        console.url()
                            + "/audit/export?from="
                            + to.minus(Duration.ofHours(1))
                            + "&to="
                            + to))
                .header("Authorization", basicUser("aude"))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(export.statusCode()).isEqualTo(200);
    assertThat(export.headers().firstValue("Content-Disposition"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("attachment;"));
    List<String> tokens = new ArrayList<>();
    for (String line : export.body().split("\n")) {
      JsonNode event = JSON.readTree(line);
      assertThat(event.has("export_incomplete")).as(line).isFalse();
      tokens.add(event.path("token_id").asText());
    }
    assertThat(tokens).containsAll(pagedTokens).contains(usedJti);
  }

  @Test
  void shouldRefuseTheAuditPageAndItsActionsToAnAnalystAndHideIt(WebDriver browser)
      throws Exception {
    console.logIn(browser, "alice", "/grants");
    assertThat(browser.findElements(By.cssSelector("header nav a")))
        .extracting(WebElement::getText)
        .contains("Grants", "Timeline")
        .doesNotContain("Audit");

    for (String path : List.of("/audit", "/audit/export?from=2026-01-01T00:00:00Z&to=now")) {
      HttpResponse<String> refused =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(console.url() + path))
                  .header("Authorization", basicUser("alice"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(refused.statusCode()).as(path).isEqualTo(403);
    }
    HttpResponse<String> verify =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(console.url() + "/audit/verify"))
                .header("Authorization", basicUser("alice"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(verify.statusCode()).isEqualTo(403);
    HttpResponse<String> grants =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(console.url() + "/grants"))
                .header("Authorization", basicUser("uma"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(grants.statusCode()).isEqualTo(403);
  }

  @Test
  void shouldAnswerABadFilterWithA400PageNotAStackTrace() throws Exception {
    HttpResponse<String> bad =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(console.url() + "/timeline?token=tok&grant=g"))
                .header("Authorization", basicUser("alice"))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.headers().firstValue("Content-Type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("text/html"));
    assertThat(bad.body())
        .contains("one of token, grant, subject or client")
        .doesNotContain("at io.");
  }

  private static TokenIssued issued(String id, String subject, String client, Instant at) {
    return TokenIssued.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setOccurredAt(at)
        .setTokenId(id)
        .setIssuer("https://issuer.example.com")
        .setSubject(subject)
        .setClientId(client)
        .setAudience("https://orders.example.com")
        .setScopes(List.of("orders:read"))
        .setIssuedAt(at)
        .setNotBefore(at)
        .setExpiresAt(at.plus(Duration.ofMinutes(5)))
        .setGrantId("grant-" + id)
        .setGrantType(GrantType.TOKEN_EXCHANGE)
        .setLineage(List.of())
        .setChannelBinding(ChannelBinding.newBuilder().setType(BindingType.NONE).build())
        .setPolicy(
            PolicyRef.newBuilder()
                .setPolicyId("tokenwatch-sample")
                .setPolicyVersion("test")
                .build())
        .setRuleId("test-rule")
        .setGrantedBy("client:" + client)
        .setReason("test grant")
        .setSigningKeyId("test-key")
        .build();
  }

  private void produce(List<TokenIssued> events) {
    SerdeConfig serde =
        SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl()));
    try (KafkaProducer<String, TokenIssued> producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all"),
            new StringSerializer(),
            AvroSerdes.specific(TokenIssued.class, registry(), serde, false).serializer())) {
      // One key for all: one partition, so the store keeps them in this order.
      for (TokenIssued event : events) {
        producer.send(new ProducerRecord<>(Topics.TOKEN_ISSUED.name(), pagedSubject, event));
      }
      producer.flush();
    }
  }

  private HttpSchemaRegistryClient registry() {
    return new HttpSchemaRegistryClient(
        SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl()))
            .registrySettings());
  }

  private static String clientToken(String issuerUrl) throws Exception {
    HttpResponse<String> answer =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(issuerUrl + "/oauth2/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Authorization", basic(CONSOLE_CLIENT, CONSOLE_SECRET))
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "grant_type=client_credentials&audience=urn%3Atokenwatch%3Aaudit"
                            + "&scope=audit%3Aread"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return JSON.readTree(answer.body()).path("access_token").asText();
  }

  private HttpResponse<String> post(String url, String json) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(url))
            .header("Content-Type", "application/json")
            .header("Authorization", basic(CONSOLE_CLIENT, CONSOLE_SECRET))
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(String url, String bearer) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
    if (bearer != null) {
      request.header("Authorization", "Bearer " + bearer);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String jti(String jwt) throws Exception {
    String payload = jwt.split("\\.")[1];
    return JSON.readTree(Base64.getUrlDecoder().decode(payload)).path("jti").asText();
  }

  private static String basic(String user, String secret) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  private static String basicUser(String user) {
    return basic(user, ConsoleHarness.PASSWORD);
  }

  /** Saves the page into docs/console so the README's pictures stay current. */
  private static void screenshot(WebDriver browser, String name) throws Exception {
    browser.manage().window().setSize(new Dimension(1400, 900));
    File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
    Path docs = Path.of("..", "docs", "console");
    Files.createDirectories(docs);
    Files.copy(shot.toPath(), docs.resolve(name), StandardCopyOption.REPLACE_EXISTING);
  }
}
