package io.tokenwatch.people;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.testing.browser.Browser;
import io.tokenwatch.testing.browser.BrowserSteps;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/** The upstream login in a real browser, through the provider's own login page. */
@ExtendWith(Browser.class)
class OidcLoginBrowserTest {

  @TempDir Path directory;
  MockOAuth2Server provider;
  GateServer server;

  @BeforeEach
  void start() throws Exception {
    provider = new MockOAuth2Server(new OAuth2Config(true));
    provider.start();
    server =
        GateServer.start(
            directory,
            Map.of(
                PeopleConfig.OIDC_ISSUER,
                provider.issuerUrl("default").toString(),
                PeopleConfig.OIDC_CLIENT_ID,
                "tokenwatch"));
  }

  @AfterEach
  void stop() {
    server.close();
    provider.shutdown();
  }

  @Test
  void shouldLogInThroughTheProvidersLoginPage(WebDriver browser) {
    browser.get(server.url() + "/whoami");
    BrowserSteps.clickAndWait(browser, BrowserSteps.find(browser, By.id("oidc-login")));

    BrowserSteps.find(browser, By.name("username")).sendKeys("dave-sub");
    WebElement claims = browser.findElement(By.name("claims"));
    claims.clear();
    claims.sendKeys("{\"roles\": [\"auditor\"], \"name\": \"Dave Upstream\"}");
    browser.findElement(By.cssSelector("input[type=submit]")).click();

    // The provider's answer redirects twice (to the callback, then to the page asked for).
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> assertThat(browser.getCurrentUrl()).isEqualTo(server.url() + "/whoami"));
    assertThat(browser.findElement(By.tagName("body")).getText()).isEqualTo("dave-sub");
    browser.get(server.url() + "/login");
    assertThat(browser.findElement(By.id("who")).getText()).contains("Dave Upstream");
    assertThat(browser.findElement(By.id("roles")).getText()).isEqualTo("Roles: auditor");
  }
}
