package io.tokenwatch.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenwatch.events.ValidatorStatus;
import io.tokenwatch.issuer.server.IssuerConfig;
import io.tokenwatch.issuer.server.IssuerServer;
import io.tokenwatch.people.PeopleConfig;
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
import io.tokenwatch.validator.http.ValidatorConfig;
import io.tokenwatch.validator.http.ValidatorService;
import java.io.File;
import java.io.IOException;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
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
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The fleet and revoke pages in a real headless Chromium, against a real broker, a real issuer
 * (accepting the console's person assertions, with the sample policy: tokens revoked at once,
 * subjects after a second person) and two real validator sidecars reporting their status.
 */
@KafkaIntegrationTest
@ExtendWith(Browser.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FleetAndRevokeBrowserTest {

  static final String AUDIENCE = "https://orders.example.com";
  static final String ORDERS_SERVICE =
      basic("orders-service", "demo-orders-service-secret-do-not-use-in-prod0");
  static final String XSS = "<img src=x onerror=alert(1)>";
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir static Path dir;

  final String run = UUID.randomUUID().toString().substring(0, 8);
  final List<ValidatorService> validators = new ArrayList<>();
  final List<String> validatorIds = new ArrayList<>();
  TestCluster cluster;
  ConsoleHarness console;
  IssuerServer issuer;
  String issuerUrl;

  @BeforeAll
  void start(TestCluster cluster) throws Exception {
    this.cluster = cluster;
    Map<String, Object> clients =
        Map.of(
            "bootstrap.servers",
            cluster.bootstrapServers(),
            "schema.registry.url",
            cluster.schemaRegistryUrl());
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
      new TopicEnsurer(admin, registry(), Duration.ofSeconds(30))
          .ensure(
              List.of(
                  Topics.VALIDATOR_STATUS,
                  Topics.REVOCATIONS,
                  Topics.REVOCATION_FAST_PATH,
                  Topics.TOKEN_USED));
    }
    int issuerPort = ConsoleServer.FreePort.find();
    issuerUrl = "http://localhost:" + issuerPort;
    console = ConsoleHarness.start(cluster, dir, Map.of(ConsoleConfig.ISSUER_URL, issuerUrl));

    Path policy = dir.resolve("policy.yaml");
    try (InputStream sample = IssuerServer.class.getResourceAsStream("/sample-policy.yaml")) {
      Files.copy(sample, policy, StandardCopyOption.REPLACE_EXISTING);
    }
    Map<String, Object> issuerSettings = new LinkedHashMap<>(clients);
    issuerSettings.put(IssuerConfig.ISSUER_URL, issuerUrl);
    issuerSettings.put(IssuerConfig.PORT, issuerPort);
    issuerSettings.put(IssuerConfig.POLICY_FILE, policy.toString());
    issuerSettings.put(IssuerConfig.DATA_DIR, dir.resolve("issuer").toString());
    issuerSettings.put(IssuerConfig.INSTANCE_ID, "console-it-" + run);
    issuerSettings.put(IssuerConfig.PRODUCE_TIMEOUT_MS, 30_000);
    issuerSettings.put(PeopleConfig.USERS_FILE, console.usersFile().toString());
    issuerSettings.put(PeopleConfig.ASSERTION_SECRET_FILE, console.assertionSecret().toString());
    issuer = IssuerServer.start(IssuerConfig.of(issuerSettings));

    for (int i = 1; i <= 2; i++) {
      validators.add(startValidator("console-it-gw-" + i + "-" + run));
    }
  }

  ValidatorService startValidator(String id) {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("bootstrap.servers", cluster.bootstrapServers());
    settings.put("schema.registry.url", cluster.schemaRegistryUrl());
    settings.put(ValidatorConfig.ISSUER, issuerUrl);
    settings.put(ValidatorConfig.AUDIENCE, AUDIENCE);
    settings.put(ValidatorConfig.JWKS_URL, issuerUrl + "/.well-known/jwks.json");
    settings.put(ValidatorConfig.HTTP_HOST, "localhost");
    settings.put(ValidatorConfig.HTTP_PORT, 0);
    settings.put(ValidatorConfig.HTTP_ROUTES, "GET /orders/** -> orders:read");
    settings.put(ValidatorConfig.VALIDATOR_ID, id);
    settings.put(ValidatorConfig.STATUS_INTERVAL, "1s");
    ValidatorService validator = ValidatorService.start(ValidatorConfig.of(settings));
    validatorIds.add(id);
    return validator;
  }

  @AfterAll
  void stop() {
    validators.forEach(ValidatorService::close);
    if (issuer != null) {
      issuer.close();
    }
    if (console != null) {
      console.close();
    }
  }

  @Test
  void shouldRevokeATokenFromTheConsoleSoThatEveryValidatorDeniesItAndShowItReachingBoth(
      WebDriver browser) throws Exception {
    String token = accessToken();
    String jti = jti(token);
    for (ValidatorService validator : validators) {
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(() -> assertThat(authorize(validator, token)).isEqualTo(200));
    }

    console.logIn(browser, "rita", "/revoke");
    new Select(browser.findElement(By.id("kind"))).selectByValue("token");
    BrowserSteps.type(browser, By.id("value"), jti);
    BrowserSteps.type(browser, By.id("reason"), "leaked in a ticket " + XSS);
    BrowserSteps.clickAndWait(browser, browser.findElement(By.cssSelector("form.revoke button")));

    assertThat(browser.findElement(By.id("revoke-notice")).getText())
        .startsWith("Revocation requested: token:" + jti);
    for (ValidatorService validator : validators) {
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(authorize(validator, token)).isEqualTo(401));
    }
    By followed = By.cssSelector("section.followed[data-selector='token:" + jti + "']");
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              WebElement section = browser.findElement(followed);
              for (String id : validatorIds.subList(0, 2)) {
                assertThat(
                        section
                            .findElement(By.cssSelector("tr[data-validator='" + id + "'] td"))
                            .getText())
                    .startsWith("reached ");
              }
            });
    WebElement section = browser.findElement(followed);
    assertThat(section.getText()).contains("leaked in a ticket " + XSS);
    assertThat(browser.findElements(By.cssSelector("main img"))).isEmpty();
    browser.manage().window().setSize(new Dimension(1280, 900));
    ((JavascriptExecutor) browser)
        .executeScript("document.getElementById('revoke-notice').scrollIntoView()");
    screenshot(browser, "revoke.png");
  }

  @Test
  void shouldRequestASubjectRevocationOnlyOnceASecondPersonApproves(WebDriver browser)
      throws Exception {
    String subject = "console-it-subject-" + run;
    console.logIn(browser, "rita", "/revoke");
    new Select(browser.findElement(By.id("kind"))).selectByValue("subject");
    BrowserSteps.type(browser, By.id("value"), subject);
    BrowserSteps.type(browser, By.id("reason"), "account taken over");
    BrowserSteps.clickAndWait(browser, browser.findElement(By.cssSelector("form.revoke button")));

    assertThat(browser.findElement(By.id("revoke-notice")).getText())
        .startsWith("Waiting for a second person");
    WebElement mine = pendingRow(browser, "subject:" + subject);
    assertThat(mine.getText()).contains("waiting for a second person");
    assertThat(mine.findElements(By.tagName("button"))).isEmpty();

    WebDriver second = Browser.start();
    try {
      console.logIn(second, "rob", "/revoke");
      WebElement theirs = pendingRow(second, "subject:" + subject);
      WebElement approve = theirs.findElement(By.xpath(".//button[normalize-space()='Approve']"));
      BrowserSteps.clickAndWait(second, approve);

      assertThat(second.findElement(By.id("revoke-notice")).getText())
          .startsWith("Revocation requested: subject:" + subject);
      assertThat(second.findElements(By.cssSelector("tr[data-pending] td.mono")))
          .noneMatch(cell -> cell.getText().equals("subject:" + subject));
    } finally {
      second.quit();
    }
  }

  @Test
  void shouldRefuseRevocationToAnAnalystAndShowThemNoForm(WebDriver browser) throws Exception {
    console.logIn(browser, "alice", "/revoke");

    assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Revoke");
    assertThat(browser.findElements(By.cssSelector("form.revoke"))).isEmpty();
    assertThat(browser.findElements(By.xpath("//button[normalize-space()='Revoke']"))).isEmpty();

    HttpResponse<String> post =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(console.url() + "/revoke"))
                .header("Authorization", basic("alice", ConsoleHarness.PASSWORD))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "kind=token&value=x&reason="
                            + URLEncoder.encode("r", StandardCharsets.UTF_8)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(403);
    assertThat(post.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
    HttpResponse<String> approve =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(console.url() + "/revoke/pending/p1/approve"))
                .header("Authorization", basic("alice", ConsoleHarness.PASSWORD))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(approve.statusCode()).isEqualTo(403);
  }

  @Test
  void shouldRefuseARevocationWithoutReasonWithAProblemAndSendNothing() throws Exception {
    HttpResponse<String> post =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(console.url() + "/revoke"))
                .header("Authorization", basic("rita", ConsoleHarness.PASSWORD))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("kind=subject&value=someone&reason=+"))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(post.statusCode()).isEqualTo(400);
    assertThat(post.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
    assertThat(JSON.readTree(post.body()).get("detail").asText())
        .isEqualTo("the reason is required: say why, for the audit trail");
  }

  @Test
  void shouldShowAValidatorThatStopsReportingRedAsOverdue(WebDriver browser) throws Exception {
    String id = "console-it-stopping-" + run;
    ValidatorService stopping = startValidator(id);
    By row = By.cssSelector("#fleet-rows tr[data-validator='" + id + "']");
    console.logIn(browser, "aude", "/fleet");
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .ignoreExceptions()
          .untilAsserted(
              () ->
                  assertThat(
                          browser
                              .findElement(row)
                              .findElement(By.cssSelector(".fleet-status"))
                              .getText())
                      .isEqualTo("OK"));
    } finally {
      stopping.close();
    }

    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              WebElement stopped = browser.findElement(row);
              assertThat(stopped.getAttribute("class")).contains("status-bad");
              assertThat(stopped.getText()).contains("overdue: no report for");
            });
    for (String healthy : validatorIds.subList(0, 2)) {
      assertThat(
              browser
                  .findElement(By.cssSelector("#fleet-rows tr[data-validator='" + healthy + "']"))
                  .getAttribute("class"))
          .doesNotContain("status-bad");
    }
    screenshot(browser, "fleet.png");
  }

  @Test
  void shouldRenderAValidatorIdThatIsMarkupAsText(WebDriver browser) throws Exception {
    String id = XSS + run;
    produceStatus(id);

    console.logIn(browser, "alice", "/fleet");

    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .untilAsserted(
            () -> assertThat(browser.findElement(By.id("fleet-rows")).getText()).contains(id));
    assertThat(browser.findElements(By.cssSelector("main img"))).isEmpty();
  }

  @Test
  void shouldHaveNoSeriousAccessibilityViolationOnTheFleetAndRevokePages(WebDriver browser) {
    console.logIn(browser, "adam", "/fleet");
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .untilAsserted(
            () ->
                assertThat(browser.findElement(By.id("fleet-rows")).getText())
                    .contains(validatorIds.get(0)));
    assertThat(Axe.seriousViolations(browser)).isEmpty();

    browser.get(console.url() + "/revoke");
    assertThat(Axe.seriousViolations(browser)).isEmpty();
  }

  // ---------------------------------------------------------------------------------------------

  private WebElement pendingRow(WebDriver browser, String selector) {
    for (WebElement row : browser.findElements(By.cssSelector("tr[data-pending]"))) {
      if (row.findElement(By.cssSelector("td.mono")).getText().startsWith(selector)) {
        return row;
      }
    }
    throw new AssertionError("no pending revocation of " + selector + " on the page");
  }

  private void produceStatus(String validatorId) {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
    settings.put("schema.registry.url", cluster.schemaRegistryUrl());
    Instant now = Instant.now();
    ValidatorStatus status =
        ValidatorStatus.newBuilder()
            .setEventId(UUID.randomUUID().toString())
            .setOccurredAt(now)
            .setValidatorId(validatorId)
            .setAudience(XSS)
            .setStartedAt(now)
            .setSequence(1)
            .setIntervalMs(60_000)
            .setReady(true)
            .setStalenessMs(0L)
            .setLag(0L)
            .setPositions(List.of())
            .setLiveRevocations(0)
            .setRecent(List.of())
            .setRecentDropped(0)
            .setReportsDropped(0)
            .build();
    try (KafkaProducer<String, ValidatorStatus> producer =
        new KafkaProducer<>(
            settings,
            new StringSerializer(),
            AvroSerdes.specific(ValidatorStatus.class, registry(), SerdeConfig.of(settings), false)
                .serializer())) {
      producer.send(new ProducerRecord<>(Topics.VALIDATOR_STATUS.name(), validatorId, status));
      producer.flush();
    }
  }

  private HttpSchemaRegistryClient registry() {
    return new HttpSchemaRegistryClient(
        SerdeConfig.of(Map.of("schema.registry.url", cluster.schemaRegistryUrl()))
            .registrySettings());
  }

  private String accessToken() throws Exception {
    HttpResponse<String> issued =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(issuerUrl + "/oauth2/token"))
                .header("Authorization", ORDERS_SERVICE)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "grant_type=client_credentials&scope=orders%3Aread&audience="
                            + URLEncoder.encode(AUDIENCE, StandardCharsets.UTF_8)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(issued.statusCode()).as(issued.body()).isEqualTo(200);
    return JSON.readTree(issued.body()).get("access_token").asText();
  }

  private static String jti(String jwt) throws IOException {
    JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
    return claims.get("jti").asText();
  }

  private static int authorize(ValidatorService validator, String token) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + validator.port() + "/auth"))
                .header("Authorization", "Bearer " + token)
                .header("X-Forwarded-Method", "GET")
                .header("X-Forwarded-Uri", "/orders/42")
                .header("X-Forwarded-Host", "orders.example.com")
                .header("X-Forwarded-Proto", "https")
                .GET()
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  /** Saves the page into docs/console so the README's pictures stay current. */
  private static void screenshot(WebDriver browser, String name) throws IOException {
    browser.manage().window().setSize(new Dimension(1280, 900));
    File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
    Path target = Path.of("..", "docs", "console", name);
    Files.createDirectories(target.getParent());
    Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
  }

  private static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }
}
