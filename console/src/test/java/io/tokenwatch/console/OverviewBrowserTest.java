package io.tokenwatch.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenwatch.events.AlertRule;
import io.tokenwatch.events.Evidence;
import io.tokenwatch.events.SecurityAlert;
import io.tokenwatch.events.Severity;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.TopicEnsurer;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import io.tokenwatch.testing.browser.Axe;
import io.tokenwatch.testing.browser.Browser;
import io.tokenwatch.testing.browser.BrowserSteps;
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
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
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

/**
 * The overview in a real headless Chromium against the in-process broker: alerts pushed live,
 * acknowledged, suppressed, refused to analysts, escaped; the lags.
 */
@KafkaIntegrationTest
@ExtendWith(Browser.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OverviewBrowserTest {

  private static final String XSS = "<img src=x onerror=alert(1)>";
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  @TempDir static Path dir;
  ConsoleHarness console;
  KafkaProducer<String, SecurityAlert> alerts;
  final String missingGroup = "overview-no-such-group-" + UUID.randomUUID();
  final String laggingGroup = "overview-lagging-" + UUID.randomUUID();

  @BeforeAll
  void start(TestCluster cluster) throws Exception {
    SerdeConfig serdes = SerdeConfig.of(Map.of("schema.registry.url", cluster.schemaRegistryUrl()));
    SchemaRegistryClient registry = new HttpSchemaRegistryClient(serdes.registrySettings());
    TopicEnsurer.ensureCatalogue(
        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()), registry);
    lagTwoRecordsBehind(cluster);
    alerts =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all"),
            new StringSerializer(),
            AvroSerdes.specific(SecurityAlert.class, registry, serdes, false).serializer());
    console =
        ConsoleHarness.start(
            cluster,
            dir,
            Map.of(
                ConsoleConfig.DETECTOR_GROUP, missingGroup,
                ConsoleConfig.AUDIT_SINK_GROUP, laggingGroup));
  }

  @AfterAll
  void stop() {
    if (console != null) {
      console.close();
    }
    if (alerts != null) {
      alerts.close();
    }
  }

  @Test
  void shouldShowANewAlertInTheOpenPageWithoutAReloadAndEscapeItsClient(WebDriver browser)
      throws Exception {
    console.logIn(browser, "rita", "/");
    awaitLiveConnection(browser);
    ((JavascriptExecutor) browser).executeScript("window.overviewNotReloaded = true");
    String summary = "live " + UUID.randomUUID();

    raise(alert(summary, "subject-" + UUID.randomUUID(), XSS));

    await()
        .atMost(PATIENCE)
        .untilAsserted(
            () -> assertThat(browser.findElement(By.id("alerts")).getText()).contains(summary));
    assertThat(
            ((JavascriptExecutor) browser)
                .executeScript("return window.overviewNotReloaded === true"))
        .as("the page was not reloaded")
        .isEqualTo(true);
    WebElement row = row(browser, summary);
    assertThat(row.getText()).contains(XSS);
    assertThat(browser.findElements(By.cssSelector("main img"))).isEmpty();
    assertThat(row.findElements(By.cssSelector("button.acknowledge"))).hasSize(1);
  }

  @Test
  void shouldReplaceAnIncidentsRowWhenItIsUpdatedRatherThanAddASecond(WebDriver browser)
      throws Exception {
    console.logIn(browser, "rita", "/");
    awaitLiveConnection(browser);
    String summary = "incident " + UUID.randomUUID();
    SecurityAlert first = alert(summary, "subject-" + UUID.randomUUID(), "client-a");
    raise(first);
    await()
        .atMost(PATIENCE)
        .untilAsserted(
            () -> assertThat(browser.findElement(By.id("alerts")).getText()).contains(summary));

    SecurityAlert update = SecurityAlert.newBuilder(first).build();
    update.setEventId(UUID.randomUUID().toString());
    update.setOccurredAt(first.getOccurredAt().plusSeconds(30));
    update.setRevision(1);
    update.setCovers(List.of("source:203.0.113.5", "subject:alice", "subject:bob"));
    raise(update);

    await()
        .atMost(PATIENCE)
        .untilAsserted(
            () ->
                assertThat(row(browser, summary).getText())
                    .contains("Updated 1 time as more arrived; covers 3:")
                    .contains("subject:bob"));
    assertThat(browser.findElements(By.id("alert-" + first.getAlertId()))).hasSize(1);
    browser.navigate().refresh();
    assertThat(browser.findElements(By.id("alert-" + first.getAlertId()))).hasSize(1);
    assertThat(row(browser, summary).getText()).contains("Updated 1 time");
  }

  @Test
  void shouldRenderAnXssPayloadInSubjectAndClientAsTextAfterALoad(WebDriver browser)
      throws Exception {
    String summary = "xss " + UUID.randomUUID();
    raise(alert(summary, XSS, XSS));

    console.logIn(browser, "alice", "/");
    WebElement row = awaitRowAfterReloads(browser, summary);

    assertThat(row.findElements(By.cssSelector("dd")))
        .extracting(WebElement::getText)
        .contains(XSS, XSS);
    assertThat(browser.findElements(By.cssSelector("main img"))).isEmpty();
    assertThat(((JavascriptExecutor) browser).executeScript("return typeof window.htmx"))
        .isEqualTo("object");
  }

  @Test
  void shouldShowAnAcknowledgementWithItsAuthorAfterAReload(WebDriver browser) throws Exception {
    String summary = "ack " + UUID.randomUUID();
    raise(alert(summary, "subject-" + UUID.randomUUID(), "client-a"));
    console.logIn(browser, "rita", "/");
    WebElement row = awaitRowAfterReloads(browser, summary);

    BrowserSteps.clickAndWait(browser, row.findElement(By.cssSelector("button.acknowledge")));
    browser.navigate().refresh();

    assertThat(row(browser, summary).findElement(By.cssSelector(".acknowledged")).getText())
        .startsWith("Acknowledged by rita at ");
  }

  @Test
  void shouldShowANewAlertOfASuppressedRuleSubjectAndClientAsSuppressed(WebDriver browser)
      throws Exception {
    String subject = "subject-" + UUID.randomUUID();
    String first = "first " + UUID.randomUUID();
    raise(alert(first, subject, "client-s"));
    console.logIn(browser, "rob", "/");
    WebElement row = awaitRowAfterReloads(browser, first);
    row.findElement(By.cssSelector("input[name=reason]")).sendKeys("known batch job");

    BrowserSteps.clickAndWait(browser, row.findElement(By.cssSelector("button.suppress")));

    String later = "later " + UUID.randomUUID();
    raise(alert(later, subject, "client-s"));
    String other = "other client " + UUID.randomUUID();
    raise(alert(other, subject, "client-t"));
    await()
        .atMost(PATIENCE)
        .untilAsserted(
            () -> {
              browser.navigate().refresh();
              assertThat(text(browser, "alerts")).contains(other);
            });
    assertThat(text(browser, "suppressed-alerts")).contains(first, later, "by rob");
    assertThat(text(browser, "alerts")).doesNotContain(first).doesNotContain(later);
  }

  @Test
  void shouldNotShowAnAnalystTheButtonsAndRefuseTheirActions(WebDriver browser) throws Exception {
    String summary = "analyst " + UUID.randomUUID();
    raise(alert(summary, "subject-" + UUID.randomUUID(), "client-b"));
    console.logIn(browser, "alice", "/");
    WebElement row = awaitRowAfterReloads(browser, summary);
    String alertId = "analyst-" + summary.substring("analyst ".length());

    assertThat(row.findElements(By.tagName("button"))).isEmpty();
    assertThat(browser.findElements(By.cssSelector("main form"))).isEmpty();
    for (String action : List.of("acknowledge", "assign", "suppress")) {
      HttpResponse<String> refused =
          post("alice", action, "alert=" + encode(alertId) + "&assignee=alice&hours=1");
      assertThat(refused.statusCode()).as(action).isEqualTo(403);
    }
  }

  @Test
  void shouldRefuseASuppressionThatDoesNotEndInTheNextThirtyDays() throws Exception {
    String summary = "bounds " + UUID.randomUUID();
    raise(alert(summary, "subject-" + UUID.randomUUID(), "client-c"));
    String alertId = "bounds-" + summary.substring("bounds ".length());
    await()
        .atMost(PATIENCE)
        .until(() -> post("rita", "suppress", "alert=" + encode(alertId)).statusCode() != 404);

    HttpResponse<String> tooLong =
        post("rita", "suppress", "alert=" + encode(alertId) + "&hours=721");
    HttpResponse<String> past = post("rita", "suppress", "alert=" + encode(alertId) + "&hours=0");
    HttpResponse<String> word =
        post("rita", "suppress", "alert=" + encode(alertId) + "&hours=forever");
    HttpResponse<String> assignNobody =
        post("rita", "assign", "alert=" + encode(alertId) + "&assignee=" + encode("<b>"));

    assertThat(tooLong.statusCode()).isEqualTo(400);
    assertThat(detail(tooLong)).contains("at most 30 days");
    assertThat(tooLong.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
    assertThat(past.statusCode()).isEqualTo(400);
    assertThat(detail(past)).contains("must end in the future");
    assertThat(word.statusCode()).isEqualTo(400);
    assertThat(detail(word)).contains("whole number");
    assertThat(assignNobody.statusCode()).isEqualTo(400);
  }

  @Test
  void shouldShowWhyAnAssignmentIsRefusedInThePage(WebDriver browser) throws Exception {
    String summary = "assign " + UUID.randomUUID();
    raise(alert(summary, "subject-" + UUID.randomUUID(), "client-d"));
    console.logIn(browser, "rita", "/");
    WebElement row = awaitRowAfterReloads(browser, summary);

    row.findElement(By.cssSelector("input[name=assignee]")).sendKeys("not a person id");
    row.findElement(By.cssSelector("button.assign")).click();

    await()
        .atMost(PATIENCE)
        .untilAsserted(
            () ->
                assertThat(browser.findElement(By.id("overview-message")).getText())
                    .contains("Name the person to assign by their id"));
    assertThat(row(browser, summary).findElements(By.cssSelector(".assigned"))).isEmpty();
  }

  @Test
  void shouldShowTheLagOfAGroupAndUnknownForAGroupThatDoesNotExist(WebDriver browser) {
    console.logIn(browser, "aude", "/");

    String lags = browser.findElement(By.cssSelector("dl.lags")).getText();

    assertThat(lags).contains(missingGroup).contains("unknown").contains(laggingGroup);
    assertThat(browser.findElements(By.cssSelector("dl.lags .lag-value")))
        .extracting(WebElement::getText)
        .containsExactly("unknown", "2");
    assertThat(browser.findElements(By.cssSelector("table.rate meter"))).hasSize(15);
  }

  @Test
  void shouldHaveNoSeriousAccessibilityViolationWithAlertsShown(WebDriver browser)
      throws Exception {
    String summary = "Unfamiliar client presented a token " + UUID.randomUUID();
    raise(alert(summary, "alice@example.com", "reporting-agent"));
    console.logIn(browser, "adam", "/");
    awaitRowAfterReloads(browser, summary);

    assertThat(Axe.seriousViolations(browser)).isEmpty();
    browser.manage().window().setSize(new Dimension(1400, 1000));
    Path shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
    Path target = Path.of("..", "docs", "console", "overview.png");
    Files.createDirectories(target.getParent());
    Files.copy(shot, target, StandardCopyOption.REPLACE_EXISTING);
  }

  // ---------------------------------------------------------------------------------------------

  private static SecurityAlert alert(String summary, String subject, String client) {
    Instant now = Instant.now();
    String alertId = summary.replaceFirst(" ", "-");
    return SecurityAlert.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setOccurredAt(now)
        .setAlertId(alertId)
        .setRule(AlertRule.UNFAMILIAR_CLIENT)
        .setSeverity(Severity.HIGH)
        .setSubject(subject)
        .setClientId(client)
        .setTokenId("tok-" + UUID.randomUUID())
        .setGrantId(null)
        .setSummary(summary)
        .setEvidence(
            Evidence.newBuilder()
                .setEventIds(List.of(UUID.randomUUID().toString()))
                .setCount(3)
                .setFirstSeen(now.minusSeconds(60))
                .setLastSeen(now)
                .setObserved(Map.of("presented_client_id", client))
                .setThresholds(Map.of("max_clients", "1"))
                .build())
        .setAutoResponse(null)
        .build();
  }

  private void raise(SecurityAlert alert) throws Exception {
    alerts
        .send(new ProducerRecord<>(Topics.SECURITY_ALERTS.name(), alert.getSubject(), alert))
        .get(30, TimeUnit.SECONDS);
  }

  /** A group that committed offset 1 on a 3-record topic of its own: 2 behind. */
  private void lagTwoRecordsBehind(TestCluster cluster) throws Exception {
    String topic = "overview-lag-" + UUID.randomUUID();
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
      admin
          .createTopics(List.of(new NewTopic(topic, 1, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()),
            new StringSerializer(),
            new StringSerializer())) {
      for (int i = 0; i < 3; i++) {
        producer.send(new ProducerRecord<>(topic, "k", "v" + i)).get(30, TimeUnit.SECONDS);
      }
    }
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                laggingGroup),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      consumer.commitSync(Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(1)));
    }
  }

  private static void awaitLiveConnection(WebDriver browser) {
    await()
        .atMost(PATIENCE)
        .until(
            () ->
                Long.valueOf(1)
                    .equals(
                        ((JavascriptExecutor) browser)
                            .executeScript(
                                "var e = document.querySelector('[sse-connect]');"
                                    + " var d = e && e['htmx-internal-data'];"
                                    + " return d && d.sseEventSource ?"
                                    + " d.sseEventSource.readyState : -1;")));
  }

  private static WebElement awaitRowAfterReloads(WebDriver browser, String summary) {
    await()
        .atMost(PATIENCE)
        .untilAsserted(
            () -> {
              browser.navigate().refresh();
              assertThat(browser.findElements(rowOf(summary))).isNotEmpty();
            });
    return row(browser, summary);
  }

  private static WebElement row(WebDriver browser, String summary) {
    return browser.findElement(rowOf(summary));
  }

  private static By rowOf(String summary) {
    return By.xpath("//tr[td[contains(@class,'summary') and text()='" + summary + "']]");
  }

  /** The text of an element, shown or not (the suppressed list is collapsed). */
  private static String text(WebDriver browser, String id) {
    return String.valueOf(browser.findElement(By.id(id)).getAttribute("textContent"));
  }

  private HttpResponse<String> post(String user, String action, String form) throws Exception {
    String basic =
        Base64.getEncoder()
            .encodeToString(
                (user + ":" + ConsoleHarness.PASSWORD).getBytes(StandardCharsets.UTF_8));
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(console.url() + "/overview/" + action))
                .header("Authorization", "Basic " + basic)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  private static String detail(HttpResponse<String> response) throws Exception {
    return new ObjectMapper().readTree(response.body()).path("detail").asText();
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }
}
