package io.tokenwatch.people;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.testing.browser.Browser;
import io.tokenwatch.testing.browser.BrowserSteps;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/** The login page in a real headless Chromium. */
@ExtendWith(Browser.class)
class LoginPageBrowserTest {

  @TempDir Path directory;
  GateServer server;

  @BeforeEach
  void start() throws Exception {
    server = GateServer.start(directory, Map.of());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private void logIn(WebDriver browser, String user, String password) {
    BrowserSteps.type(browser, By.id("username"), user);
    BrowserSteps.type(browser, By.id("password"), password);
    BrowserSteps.clickAndWait(browser, browser.findElement(By.cssSelector("button[type=submit]")));
  }

  @Test
  void shouldLogInFromARedirectAndComeBackToThePageAsked(WebDriver browser) {
    browser.get(server.url() + "/whoami");

    assertThat(browser.getCurrentUrl()).isEqualTo(server.url() + "/login?next=%2Fwhoami");
    assertThat(browser.findElement(By.cssSelector("label[for=username]")).getText())
        .isEqualTo("User name");
    assertThat(browser.findElement(By.tagName("html")).getAttribute("lang")).isEqualTo("en");
    logIn(browser, "alice", GateServer.PASSWORD);

    assertThat(browser.getCurrentUrl()).isEqualTo(server.url() + "/whoami");
    assertThat(browser.findElement(By.tagName("body")).getText()).isEqualTo("alice");
  }

  @Test
  void shouldSetTheSessionCookieSecureHttpOnlyAndLax(WebDriver browser) {
    browser.get(server.url() + "/login");
    logIn(browser, "alice", GateServer.PASSWORD);

    Cookie session = browser.manage().getCookieNamed("__Host-tw_session");

    assertThat(session).isNotNull();
    assertThat(session.isSecure()).isTrue();
    assertThat(session.isHttpOnly()).isTrue();
    assertThat(session.getSameSite()).isEqualTo("Lax");
    assertThat(session.getPath()).isEqualTo("/");
    assertThat(((JavascriptExecutor) browser).executeScript("return document.cookie"))
        .asString()
        .doesNotContain("tw_session");
  }

  @Test
  void shouldTellAWrongPasswordAndNotLogIn(WebDriver browser) {
    browser.get(server.url() + "/login");
    logIn(browser, "alice", "not the password");

    assertThat(browser.findElement(By.id("login-message")).getText())
        .isEqualTo("Wrong user name or password.");
    assertThat(browser.manage().getCookieNamed("__Host-tw_session")).isNull();
  }

  @Test
  void shouldLogOutWithTheButton(WebDriver browser) {
    browser.get(server.url() + "/login");
    logIn(browser, "carol", GateServer.PASSWORD);
    assertThat(browser.findElement(By.id("who")).getText()).contains("Carol Example");

    BrowserSteps.clickAndWait(browser, browser.findElement(By.cssSelector("button[type=submit]")));

    assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Log in to Tokenwatch");
    browser.get(server.url() + "/whoami");
    assertThat(browser.getCurrentUrl()).startsWith(server.url() + "/login?next=");
  }

  @Test
  void shouldRefuseAFormPostedWithoutTheCsrfToken(WebDriver browser) {
    browser.get(server.url() + "/login");
    logIn(browser, "carol", GateServer.PASSWORD);

    // A form like one a hostile page would post: same action, no token.
    WebElement page = browser.findElement(By.tagName("html"));
    ((JavascriptExecutor) browser)
        .executeScript(
            "const f = document.createElement('form'); f.method = 'post'; f.action = '/approve';"
                + " document.body.appendChild(f); f.submit();");
    BrowserSteps.awaitNewPage(browser, page);

    assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Request refused");
    assertThat(browser.findElement(By.id("message")).getText()).contains("security token");
  }
}
