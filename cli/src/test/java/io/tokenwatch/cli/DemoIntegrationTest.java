package io.tokenwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenwatch.cli.demo.DemoPolicy;
import io.tokenwatch.testing.browser.Browser;
import io.tokenwatch.testing.browser.BrowserSteps;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import picocli.CommandLine;

/**
 * {@code tokenwatch demo} as a newcomer runs it, shortened: every scripted attack is detected,
 * every revoked token is denied by every validator, the summary reports what it measured, and the
 * console shows the attacks as they happen.
 */
@Tag("integration")
class DemoIntegrationTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern CONSOLE = Pattern.compile("STARTED .*console (http://\\S+)");

  private long unfamiliarAtLoad;

  @TempDir Path dataDir;

  @Test
  void shouldDetectEveryScriptedAttackAndDenyEveryRevokedToken() throws Exception {
    CommandLine cli = Tokenwatch.commandLine();
    StringWriter out = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    AtomicInteger exitCode = new AtomicInteger(-1);
    // --keep-running, as an operator who wants to use the platform after the summary runs it.
    Thread demo =
        new Thread(
            () ->
                exitCode.set(
                    cli.execute(
                        "demo",
                        "--duration",
                        "30s",
                        "--rate",
                        "30",
                        "--keep-running",
                        "--data-dir",
                        dataDir.toString())),
            "demo");
    demo.start();
    WebDriver browser = null;
    try {
      browser = watchTheOverview(out);
      await()
          .atMost(Duration.ofMinutes(5))
          .until(() -> out.toString().contains("Still running") || !demo.isAlive());
      shouldHaveShownTheAttackOnTheOverviewWithoutAReload(browser);
      assertThat(out.toString()).contains("Still running");
      shouldLeaveCredentialsThatWorkOnThePlatformLeftRunning(out.toString());
    } finally {
      if (browser != null) {
        browser.quit();
      }
      ((DemoCommand) cli.getSubcommands().get("demo").getCommand()).requestStop();
      demo.join(Duration.ofMinutes(2).toMillis());
    }
    int exit = exitCode.get();

    String narration = out.toString();
    assertThat(exit).as(narration).isZero();
    assertThat(narration)
        .contains("Every scripted attack was detected and every revoked token was denied.")
        .doesNotContain("MISSED")
        .doesNotContain("FAILED");
    for (String rule :
        new String[] {
          "UNFAMILIAR_CLIENT",
          "REPLAY_AFTER_REVOCATION",
          "SCOPE_ESCALATION",
          "MAX_USE_OVERSHOOT",
          "REFRESH_TOKEN_REUSE"
        }) {
      assertThat(narration).containsPattern("(?m)^ +detected .*" + rule + "$");
    }
    Matcher revoked =
        Pattern.compile(
                "revoked: +(\\d+) tokens revoked, (\\d+) denied by all 3 validators, (\\d+) by the"
                    + " SaaS app outside Kafka")
            .matcher(narration);
    assertThat(revoked.find()).as(narration).isTrue();
    assertThat(Integer.parseInt(revoked.group(1))).isPositive();
    assertThat(revoked.group(2)).isEqualTo(revoked.group(1));
    // The SaaS app speaks only Shared Signals: every revoked token reached it as a SET.
    assertThat(revoked.group(3)).isEqualTo(revoked.group(1));
    assertThat(narration)
        .contains("the SaaS app refuses token")
        .contains("session-revoked for alice from")
        .contains("revoked everywhere");
    assertThat(narration).containsPattern("propagation: +p50 [0-9.]+ ms, p90");
    assertThat(narration)
        .containsPattern(
            "audit: +[1-9][0-9]* events stored, [0-9]+ signed checkpoints, chain verified");
  }

  /**
   * As soon as the demo names the console, a responder logs in and opens the overview, before the
   * scripted attacks begin; the page is marked so that a reload would show.
   */
  private WebDriver watchTheOverview(StringWriter out) {
    await().atMost(Duration.ofMinutes(3)).until(() -> CONSOLE.matcher(out.toString()).find());
    Matcher console = CONSOLE.matcher(out.toString());
    assertThat(console.find()).isTrue();
    String url = console.group(1);
    WebDriver browser = Browser.start();
    browser.get(url + "/login?next=%2F");
    BrowserSteps.type(browser, By.id("username"), "grace");
    BrowserSteps.type(browser, By.id("password"), DemoPeople.passwords(dataDir).get("grace"));
    BrowserSteps.clickAndWait(browser, browser.findElement(By.cssSelector("button[type=submit]")));
    assertThat(browser.getCurrentUrl()).isEqualTo(url + "/");
    unfamiliarAtLoad = unfamiliarClientRows(browser);
    ((JavascriptExecutor) browser).executeScript("window.tokenwatchWatching = true;");
    return browser;
  }

  /**
   * The stolen-token attacks of the script raised UNFAMILIAR_CLIENT alerts, and they reached the
   * page opened before them by themselves: more such rows than at load, on the same page.
   */
  private void shouldHaveShownTheAttackOnTheOverviewWithoutAReload(WebDriver browser) {
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> assertThat(unfamiliarClientRows(browser)).isGreaterThan(unfamiliarAtLoad));
    assertThat(((JavascriptExecutor) browser).executeScript("return window.tokenwatchWatching"))
        .as("the page was not reloaded")
        .isEqualTo(true);
  }

  private static long unfamiliarClientRows(WebDriver browser) {
    return browser.findElements(By.cssSelector("#alerts tr")).stream()
        .filter(row -> row.getText().contains("UNFAMILIAR_CLIENT"))
        .count();
  }

  /**
   * The file the summary names holds, owner-only, every demo client's secret and commands that work
   * as pasted: a client's secret gets a token, the admin and audit token commands get tokens, and
   * the admin revocation API accepts the security console's credentials.
   */
  private void shouldLeaveCredentialsThatWorkOnThePlatformLeftRunning(String narration)
      throws Exception {
    Path file = dataDir.resolve(DemoPolicy.CREDENTIALS_FILE);
    assertThat(narration)
        .containsPattern("(?m)^ +demo clients: " + Pattern.quote(file.toString()) + " ");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    List<String> lines = Files.readAllLines(file);
    Matcher endpoint =
        Pattern.compile("Token endpoint \\(client_secret_basic\\): (\\S+)")
            .matcher(String.join("\n", lines));
    assertThat(endpoint.find()).as(String.join("\n", lines)).isTrue();
    Map<String, String> secrets = new LinkedHashMap<>();
    for (String line : lines) {
      String[] fields = line.split(" ");
      if (!line.isBlank()
          && !line.startsWith("#")
          && !line.startsWith("curl")
          && fields.length == 2) {
        secrets.put(fields[0], fields[1]);
      }
    }
    assertThat(secrets)
        .containsKeys(
            "orders-service",
            "inventory-service",
            "billing-service",
            "shipping-service",
            "reporting-agent",
            "security-console",
            "orders-assistant");

    HttpResponse<String> token =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(endpoint.group(1)))
                    .header(
                        "Authorization",
                        "Basic "
                            + Base64.getEncoder()
                                .encodeToString(
                                    ("orders-service:" + secrets.get("orders-service"))
                                        .getBytes(StandardCharsets.UTF_8)))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "grant_type=client_credentials&audience="
                                + URLEncoder.encode(DemoPolicy.ORDERS, StandardCharsets.UTF_8)
                                + "&scope=orders:read"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(token.statusCode()).as(token.body()).isEqualTo(200);

    List<String> commands = lines.stream().filter(line -> line.startsWith("curl ")).toList();
    assertThat(commands).hasSize(3);
    assertThat(shell(commands.get(0))).as(commands.get(0)).contains("\"access_token\"");
    String jti =
        JSON.readTree(
                Base64.getUrlDecoder()
                    .decode(
                        JSON.readTree(token.body()).get("access_token").asText().split("\\.")[1]))
            .get("jti")
            .asText();
    String revoked = shell(commands.get(1).replace("TOKEN_ID", jti));
    assertThat(revoked).as(commands.get(1)).doesNotContain("\"error").contains(jti);
    assertThat(shell(commands.get(2))).as(commands.get(2)).contains("\"access_token\"");
  }

  /** Runs a command line as pasted into a shell; its standard output. */
  private static String shell(String command) throws Exception {
    Process process = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor()).as(output).isZero();
    return output;
  }
}
