package io.tokenwatch.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import io.tokenwatch.testing.browser.Axe;
import io.tokenwatch.testing.browser.Browser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;

/** The console's frame (login, navigation, headers, scripts) in a real headless Chromium. */
@KafkaIntegrationTest
@ExtendWith(Browser.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleShellBrowserTest {

  @TempDir static Path dir;
  ConsoleHarness console;

  @BeforeAll
  void start(TestCluster cluster) throws Exception {
    console = ConsoleHarness.start(cluster, dir, Map.of());
  }

  @AfterAll
  void stop() {
    console.close();
  }

  @Test
  void shouldSendAPersonToTheLoginPageAndBackToTheOverview(WebDriver browser) {
    browser.get(console.url() + "/");
    assertThat(browser.getCurrentUrl()).isEqualTo(console.url() + "/login?next=%2F");

    console.logIn(browser, "alice", "/");

    assertThat(browser.getCurrentUrl()).isEqualTo(console.url() + "/");
    assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Overview");
    assertThat(browser.findElement(By.cssSelector("header .who")).getText())
        .contains("Alice Analyst");
  }

  @Test
  void shouldLoadItsScriptsUnderTheStrictContentSecurityPolicy(WebDriver browser) {
    console.logIn(browser, "rita", "/");

    Object htmx = ((JavascriptExecutor) browser).executeScript("return typeof window.htmx");
    assertThat(htmx).isEqualTo("object");
  }

  @Test
  void shouldServeEveryAnswerWithTheStrictHeaders() throws Exception {
    HttpResponse<String> login =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(console.url() + "/assets/console.js")).build(),
                HttpResponse.BodyHandlers.ofString());

    assertThat(login.headers().firstValue("Content-Security-Policy"))
        .hasValue(io.tokenwatch.console.web.Views.CONTENT_SECURITY_POLICY);
    assertThat(login.headers().firstValue("X-Frame-Options")).hasValue("DENY");
    assertThat(io.tokenwatch.console.web.Views.CONTENT_SECURITY_POLICY)
        .doesNotContain("unsafe-inline")
        .doesNotContain("unsafe-eval");
  }

  @Test
  void shouldHaveNoSeriousAccessibilityViolationOnTheOverview(WebDriver browser) {
    console.logIn(browser, "adam", "/");

    assertThat(Axe.seriousViolations(browser)).isEmpty();
  }

  @Test
  void shouldLogOutAndRequireALoginAgain(WebDriver browser) {
    console.logIn(browser, "aude", "/");
    io.tokenwatch.testing.browser.BrowserSteps.clickAndWait(
        browser, browser.findElement(By.cssSelector("header .who button")));

    browser.get(console.url() + "/");
    assertThat(browser.getCurrentUrl()).startsWith(console.url() + "/login");
  }
}
