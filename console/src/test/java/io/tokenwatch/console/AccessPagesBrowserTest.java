package io.tokenwatch.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenwatch.issuer.policy.PolicyHolder;
import io.tokenwatch.issuer.server.IssuerConfig;
import io.tokenwatch.issuer.server.IssuerServer;
import io.tokenwatch.people.PeopleConfig;
import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import io.tokenwatch.testing.browser.Axe;
import io.tokenwatch.testing.browser.Browser;
import io.tokenwatch.testing.browser.BrowserSteps;
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
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/**
 * The Access & policy pages in a real headless Chromium, acting through a real issuer (its people
 * APIs, person assertions signed by the console) on the test broker: a two-person approval in two
 * browser sessions, separation of duties shown and enforced, the policy history, diff, held change
 * and rollback.
 */
@KafkaIntegrationTest
@ExtendWith(Browser.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccessPagesBrowserTest {

  static final String ORDERS = "https://orders.example.com";
  static final String XSS = "<img src=x onerror=alert(1)>";
  static final String ASSISTANT_SCOPES = "scopes: [orders:read, orders:write, orders:export]";

  @TempDir static Path dir;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  ConsoleHarness console;
  IssuerServer issuer;
  String issuerUrl;
  Path policyFile;
  String policy;

  @BeforeAll
  void start(TestCluster cluster) throws Exception {
    int issuerPort = ConsoleServer.FreePort.find();
    issuerUrl = "http://127.0.0.1:" + issuerPort;
    console = ConsoleHarness.start(cluster, dir, Map.of(ConsoleConfig.ISSUER_URL, issuerUrl));
    // Its own policy id: the test cluster keeps the policy histories of every test's issuers.
    try (InputStream in = IssuerServer.class.getResourceAsStream("/sample-policy.yaml")) {
      policy =
          new String(in.readAllBytes(), StandardCharsets.UTF_8)
              .replace(
                  "policy_id: tokenwatch-sample",
                  "policy_id: console-it-" + UUID.randomUUID().toString().substring(0, 8));
    }
    policyFile = dir.resolve("policy.yaml");
    Files.writeString(policyFile, policy);
    Map<String, Object> settings = new HashMap<>();
    settings.put(IssuerConfig.ISSUER_URL, issuerUrl);
    settings.put(IssuerConfig.PORT, String.valueOf(issuerPort));
    settings.put(IssuerConfig.POLICY_FILE, policyFile.toString());
    // Reloads are driven by the test; the watcher would only race it.
    settings.put(IssuerConfig.POLICY_RELOAD_MS, "3600000");
    settings.put(IssuerConfig.DATA_DIR, dir.resolve("issuer").toString());
    settings.put(IssuerConfig.PRODUCE_TIMEOUT_MS, "30000");
    settings.put(IssuerConfig.BOOTSTRAP_SERVERS, cluster.bootstrapServers());
    settings.put(IssuerConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl());
    settings.put(PeopleConfig.USERS_FILE, console.usersFile().toString());
    settings.put(PeopleConfig.ASSERTION_SECRET_FILE, console.assertionSecret().toString());
    issuer = IssuerServer.start(IssuerConfig.of(settings), Clock.systemUTC());
    await()
        .atMost(Duration.ofSeconds(90))
        .ignoreExceptions()
        .until(
            () ->
                http.send(
                            HttpRequest.newBuilder(URI.create(issuerUrl + "/ready")).build(),
                            HttpResponse.BodyHandlers.ofString())
                        .statusCode()
                    == 200);
  }

  @AfterAll
  void stop() {
    if (issuer != null) {
      issuer.close();
    }
    if (console != null) {
      console.close();
    }
  }

  @Test
  void shouldApproveAHighRiskRequestByTwoPeopleInTwoBrowserSessions(WebDriver ann)
      throws Exception {
    String id = ask("uma", "orders:export", "quarterly export for the auditors");

    console.logIn(ann, "ann", "/access/" + id);
    assertThat(text(ann, "#needs")).contains("two different approvers (high risk); 0 given");
    assertThat(ann.findElements(By.id("approve"))).hasSize(1);
    assertThat(Axe.seriousViolations(ann)).isEmpty();
    BrowserSteps.type(ann, By.id("comment"), "fine for one quarter");
    BrowserSteps.clickAndWait(ann, ann.findElement(By.id("approve")));

    assertThat(text(ann, "#status")).isEqualTo("pending");
    assertThat(text(ann, "#outcome")).contains("ann approved (1 of 2 approvals");
    assertThat(text(ann, "#notes"))
        .contains("1 of 2 approvals: a second person is needed")
        .contains("You approved this");
    assertThat(ann.findElements(By.id("approve"))).isEmpty();
    assertThat(ann.findElements(By.id("refuse"))).isEmpty();
    assertThat(ann.findElement(By.cssSelector("ul.decisions")).getText())
        .contains("Approved by ann")
        .contains("fine for one quarter");

    // A forged second approval by the same person (a form the page never showed her) reaches the
    // issuer, which refuses it; the page says why.
    postFromPage(ann, "/access/" + id + "/approve");
    assertThat(text(ann, "#outcome"))
        .contains("The issuer refused")
        .contains("you have already approved " + id);
    assertThat(text(ann, "#status")).isEqualTo("pending");

    WebDriver amy = Browser.start();
    try {
      console.logIn(amy, "amy", "/access/" + id);
      assertThat(amy.findElements(By.id("approve"))).hasSize(1);
      BrowserSteps.clickAndWait(amy, amy.findElement(By.id("approve")));
      assertThat(text(amy, "#status")).isEqualTo("approved");
      assertThat(text(amy, "#outcome")).contains("amy approved; exception exc-");
      assertThat(amy.findElements(By.id("approve"))).isEmpty();
    } finally {
      amy.quit();
    }

    ann.navigate().refresh();
    assertThat(text(ann, "#status")).isEqualTo("approved");
    assertThat(ann.findElement(By.cssSelector("ul.decisions")).getText())
        .contains("Approved by ann")
        .contains("Approved by amy");
  }

  @Test
  void shouldShowTheRequesterThatAnotherPersonMustDecideAndLetThemCancel(WebDriver uma)
      throws Exception {
    String id = ask("uma", "orders:export", "one-off migration");

    console.logIn(uma, "uma", "/access/" + id);

    assertThat(text(uma, "#notes")).contains("You asked for this: another approver must decide.");
    assertThat(uma.findElements(By.id("approve"))).isEmpty();
    BrowserSteps.clickAndWait(uma, uma.findElement(By.id("cancel")));
    assertThat(text(uma, "#status")).isEqualTo("cancelled");
    assertThat(text(uma, "#outcome")).contains("uma cancelled the request");
  }

  @Test
  void shouldListPendingRequestsFirstWithWhatWhoWhyRiskAndDuties(WebDriver ann) throws Exception {
    String id = ask("uma", "orders:export", "inbox listing check");

    console.logIn(ann, "ann", "/access");

    WebElement first = ann.findElement(By.cssSelector("table.requests tbody tr"));
    assertThat(first.getText()).contains("pending");
    WebElement row = ann.findElement(By.id("row-" + id));
    assertThat(row.getText())
        .contains("orders:export for orders-service at " + ORDERS)
        .contains("uma")
        .contains("inbox listing check")
        .contains("high")
        .contains("two different approvers")
        .contains("Decide: Approve, Refuse");
    assertThat(Axe.seriousViolations(ann)).isEmpty();
    screenshot(ann, "access.png");
  }

  @Test
  void shouldRenderAnXssPayloadInARequestsReasonAsText(WebDriver ann) throws Exception {
    String id = ask("uma", "orders:export", XSS);

    console.logIn(ann, "ann", "/access/" + id);
    assertThat(text(ann, "dd.purpose")).isEqualTo(XSS);
    assertThat(ann.findElements(By.tagName("img"))).isEmpty();
    assertThatThrownBy(() -> ann.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);

    ann.get(console.url() + "/access");
    assertThat(ann.findElement(By.id("row-" + id)).getText()).contains(XSS);
    assertThat(ann.findElements(By.tagName("img"))).isEmpty();
  }

  @Test
  void shouldRefuseAnAnalystTheApproveRouteAndShowHerNoButton(WebDriver alice) throws Exception {
    String id = ask("uma", "orders:export", "analyst check");

    console.logIn(alice, "alice", "/access");
    assertThat(alice.findElements(By.id("row-" + id))).isEmpty();
    assertThat(alice.findElements(By.cssSelector("button#approve"))).isEmpty();
    alice.get(console.url() + "/access/" + id);
    assertThat(alice.findElements(By.id("approve"))).isEmpty();

    HttpResponse<String> approve = postWithSession(alice, "/access/" + id + "/approve", "");
    assertThat(approve.statusCode()).isEqualTo(403);
    HttpResponse<String> rollback = postWithSession(alice, "/policy/rollback", "version=1");
    assertThat(rollback.statusCode()).isEqualTo(403);
    // Nothing reached the issuer: the request has no approval.
    assertThat(issuerGet("/access-requests/" + id, "ann").body()).contains("\"approvals\":[]");
  }

  @Test
  void shouldShowVersionsAReadableDiffAHeldChangeAndRollBackAsAnAdmin(WebDriver adam)
      throws Exception {
    String narrowed = policy.replace(ASSISTANT_SCOPES, "scopes: [orders:read, orders:export]");
    Files.writeString(policyFile, narrowed);
    assertThat(issuer.policy().reload()).isInstanceOf(PolicyHolder.ReloadResult.Loaded.class);

    console.logIn(adam, "adam", "/policy");
    assertThat(adam.findElement(By.cssSelector("header nav a[aria-current=page]")).getText())
        .isEqualTo("Access & policy");
    assertThat(text(adam, "#in-force")).isEqualTo("2");
    assertThat(text(adam, "#diff-title")).isEqualTo("From version 1 to version 2");
    WebElement removed = adam.findElement(By.cssSelector("ul.diff li.diff-removed"));
    assertThat(removed.getText())
        .startsWith("- removed")
        .contains("client orders-assistant: scope orders:write for " + ORDERS + " (medium)");

    BrowserSteps.clickAndWait(adam, adam.findElement(By.id("rollback-1")));
    assertThat(text(adam, "#outcome"))
        .contains("version 1's document is in force again, recorded as version 3");
    assertThat(text(adam, "#in-force")).isEqualTo("3");
    assertThat(text(adam, "#version-3")).contains("ROLLBACK (to version 1)").contains("adam");
    WebElement added = adam.findElement(By.cssSelector("ul.diff li.diff-added"));
    assertThat(added.getText()).startsWith("+ added").contains("orders:write");

    // A widening edit is held until approved: the page shows it with its access request.
    Files.writeString(
        policyFile,
        policy.replace(
            ASSISTANT_SCOPES,
            "scopes: [orders:read, orders:write, orders:export, payments:refund]"));
    assertThat(issuer.policy().reload()).isInstanceOf(PolicyHolder.ReloadResult.Held.class);
    adam.get(console.url() + "/policy");
    assertThat(text(adam, "#pending"))
        .contains("payments:refund for orders-assistant at " + ORDERS)
        .contains("access request req-")
        .contains("+ added");
    assertThat(Axe.seriousViolations(adam)).isEmpty();
    screenshot(adam, "policy.png");

    // An analyst reads the policy but is offered no rollback.
    WebDriver alice = Browser.start();
    try {
      console.logIn(alice, "alice", "/policy");
      assertThat(text(alice, "#in-force")).isEqualTo("3");
      assertThat(alice.findElements(By.cssSelector("button[id^=rollback]"))).isEmpty();
    } finally {
      alice.quit();
    }
  }

  // ---------------------------------------------------------------------------------------------

  /** {@code user} asks the issuer for {@code scope} for orders-service (HTTP Basic); its id. */
  private String ask(String user, String scope, String purpose) throws Exception {
    String body =
        new ObjectMapper()
            .createObjectNode()
            .put("client_id", "orders-service")
            .put("audience", ORDERS)
            .put("purpose", purpose)
            .put("duration", "PT8H")
            .set("scopes", new ObjectMapper().createArrayNode().add(scope))
            .toString();
    HttpResponse<String> created =
        http.send(
            HttpRequest.newBuilder(URI.create(issuerUrl + "/access-requests"))
                .header("Authorization", basic(user))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    return new ObjectMapper().readTree(created.body()).get("id").asText();
  }

  private HttpResponse<String> issuerGet(String path, String user) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(issuerUrl + path))
            .header("Authorization", basic(user))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String basic(String user) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString(
                (user + ":" + ConsoleHarness.PASSWORD).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Posts a form the page does not show, with the session's CSRF token, as a browser would: what a
   * person who edits the page (or a stale tab) can send.
   */
  private static void postFromPage(WebDriver browser, String path) {
    WebElement html = browser.findElement(By.tagName("html"));
    ((JavascriptExecutor) browser)
        .executeScript(
            "var form = document.createElement('form');"
                + "form.method = 'post'; form.action = arguments[0];"
                + "var csrf = document.createElement('input');"
                + "csrf.type = 'hidden'; csrf.name = 'csrf';"
                + "csrf.value = document.querySelector('meta[name=csrf-token]').content;"
                + "form.appendChild(csrf); document.body.appendChild(form); form.submit();",
            path);
    BrowserSteps.awaitNewPage(browser, html);
  }

  /** Posts {@code form} to the console with the browser's session cookie and CSRF token. */
  private HttpResponse<String> postWithSession(WebDriver browser, String path, String form)
      throws Exception {
    String cookies =
        browser.manage().getCookies().stream()
            .map(cookie -> cookie.getName() + "=" + cookie.getValue())
            .collect(Collectors.joining("; "));
    String csrf =
        browser.findElement(By.cssSelector("meta[name=csrf-token]")).getAttribute("content");
    String body =
        (form.isEmpty() ? "" : form + "&")
            + "csrf="
            + URLEncoder.encode(csrf, StandardCharsets.UTF_8);
    return http.send(
        HttpRequest.newBuilder(URI.create(console.url() + path))
            .header("Cookie", cookies)
            .header("Origin", console.url())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String text(WebDriver browser, String css) {
    return BrowserSteps.find(browser, By.cssSelector(css)).getText();
  }

  /** Keeps the README's picture of the page current. */
  private static void screenshot(WebDriver browser, String name) throws Exception {
    Path target = Path.of("..", "docs", "console", name);
    browser.manage().window().setSize(new Dimension(1280, 900));
    Files.createDirectories(target.getParent());
    Path shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
    Files.copy(shot, target, StandardCopyOption.REPLACE_EXISTING);
  }
}
