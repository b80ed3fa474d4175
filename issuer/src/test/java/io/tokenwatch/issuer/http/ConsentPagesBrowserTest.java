package io.tokenwatch.issuer.http;

import static io.tokenwatch.issuer.testkit.TestIssuer.ASSISTANT;
import static io.tokenwatch.issuer.testkit.TestIssuer.ASSISTANT_REDIRECT;
import static io.tokenwatch.issuer.testkit.TestIssuer.ASSISTANT_SECRET;
import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS;
import static io.tokenwatch.issuer.testkit.TestIssuer.PASSWORD;
import static io.tokenwatch.issuer.testkit.TestIssuer.basic;
import static io.tokenwatch.issuer.testkit.TestIssuer.form;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.tokenwatch.events.ConsentWithdrawalReason;
import io.tokenwatch.issuer.policy.PolicyHolder;
import io.tokenwatch.issuer.testkit.Json;
import io.tokenwatch.issuer.testkit.TestIssuer;
import io.tokenwatch.testing.browser.Browser;
import io.tokenwatch.testing.browser.BrowserSteps;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/**
 * A real browser (headless Chromium) through login, the consent page (approving a subset), the
 * callback, the consents page and withdrawal. No JavaScript is involved: plain forms and links.
 */
@ExtendWith(Browser.class)
class ConsentPagesBrowserTest {

  static final String VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

  @TempDir Path dir;
  TestIssuer issuer;
  HttpServer client;
  String callback;

  @BeforeEach
  void start() throws Exception {
    issuer = new TestIssuer(dir);
    // The client's own callback, on a port of this test, registered next to the sample's.
    client =
        HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    client.createContext(
        "/callback",
        exchange -> {
          byte[] body =
              "<!DOCTYPE html><html lang=\"en\"><title>client</title><p>back</p></html>"
                  .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "text/html");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    client.start();
    callback = "http://127.0.0.1:" + client.getAddress().getPort() + "/callback";
    Files.writeString(
        issuer.policyFile,
        Files.readString(issuer.policyFile)
            .replace(
                "redirect_uris: [" + ASSISTANT_REDIRECT + "]",
                "redirect_uris: [" + ASSISTANT_REDIRECT + ", " + callback + "]"));
    assertThat(issuer.policy.reload()).isInstanceOf(PolicyHolder.ReloadResult.Loaded.class);
  }

  @AfterEach
  void stop() {
    client.stop(0);
    issuer.close();
  }

  @Test
  void shouldLogInConsentToASubsetReachTheClientAndWithdrawFromTheConsentsPage(WebDriver browser)
      throws Exception {
    browser.get(authorizeUrl());

    // Not logged in: the login page, then back to the consent page.
    assertThat(browser.getCurrentUrl()).contains("/login?next=");
    browser.findElement(By.id("username")).sendKeys("alice");
    browser.findElement(By.id("password")).sendKeys(PASSWORD);
    BrowserSteps.clickAndWait(
        browser, browser.findElement(By.cssSelector("form[action='/login'] button[type=submit]")));

    assertThat(browser.findElement(By.tagName("h1")).getText())
        .as(browser.getCurrentUrl() + "\n" + browser.getPageSource())
        .contains(ASSISTANT);
    assertThat(browser.findElement(By.id("purpose")).getText()).isEqualTo("Monthly export");
    assertThat(browser.findElement(By.id("audience")).getText()).isEqualTo(ORDERS);
    assertThat(browser.findElement(By.id("duration")).getText()).contains("30 days");
    WebElement read = browser.findElement(By.id("scope-orders:read"));
    WebElement export = browser.findElement(By.id("scope-orders:export"));
    assertThat(read.isSelected()).isTrue();
    assertThat(export.isSelected()).as("high-risk scopes are not ticked for the person").isFalse();
    assertThat(browser.findElement(By.id("about-orders:export")).getText()).contains("High risk");
    assertThat(browser.findElement(By.cssSelector("label[for='scope-orders:read']")).getText())
        .isEqualTo("Read orders and their line items.");
    browser.findElement(By.id("approve")).click();

    // Back at the client with a code and the state (the form's redirect is followed after click
    // returns).
    await()
        .atMost(java.time.Duration.ofSeconds(30))
        .until(() -> browser.getCurrentUrl().startsWith(callback));
    URI landed = URI.create(browser.getCurrentUrl());
    assertThat(landed.toString())
        .as(issuer.consentLog.granted.size() + " granted; " + browser.getPageSource())
        .startsWith(callback + "?");
    Map<String, String> params = query(landed);
    assertThat(params).containsEntry("state", "st-1");
    HttpResponse<String> tokens =
        issuer.postForm(
            "/oauth2/token",
            form(
                "grant_type",
                "authorization_code",
                "code",
                params.get("code"),
                "code_verifier",
                VERIFIER,
                "redirect_uri",
                callback),
            basic(ASSISTANT, ASSISTANT_SECRET));
    assertThat(tokens.statusCode()).as(tokens.body()).isEqualTo(200);
    assertThat(Json.field(tokens.body(), "scope")).isEqualTo("orders:read");

    // The consents page lists it; withdrawing it is one click.
    browser.get(issuer.url() + "/consents");
    assertThat(browser.findElement(By.id("consents")).getText())
        .contains(ASSISTANT)
        .contains("Monthly export")
        .contains("orders:read");
    BrowserSteps.clickAndWait(
        browser,
        browser.findElement(
            By.cssSelector("button[aria-label='Withdraw the consent of " + ASSISTANT + "']")));

    assertThat(browser.findElement(By.id("notice")).getText()).contains(ASSISTANT);
    assertThat(browser.findElements(By.id("consents"))).isEmpty();
    assertThat(issuer.consentLog.withdrawn)
        .singleElement()
        .satisfies(
            event ->
                assertThat(event.getReason()).isEqualTo(ConsentWithdrawalReason.USER_WITHDREW));
    assertThat(issuer.recorded().requests).hasSize(1);
  }

  private String authorizeUrl() throws Exception {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("response_type", "code");
    params.put("client_id", ASSISTANT);
    params.put("redirect_uri", callback);
    params.put("scope", "orders:read orders:export");
    params.put("state", "st-1");
    params.put("nonce", "n-1");
    params.put("code_challenge_method", "S256");
    params.put(
        "code_challenge",
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(
                MessageDigest.getInstance("SHA-256")
                    .digest(VERIFIER.getBytes(StandardCharsets.US_ASCII))));
    params.put("purpose", "Monthly export");
    StringBuilder url = new StringBuilder(issuer.url()).append("/authorize");
    char separator = '?';
    for (Map.Entry<String, String> param : params.entrySet()) {
      url.append(separator)
          .append(param.getKey())
          .append('=')
          .append(URLEncoder.encode(param.getValue(), StandardCharsets.UTF_8));
      separator = '&';
    }
    return url.toString();
  }

  private static Map<String, String> query(URI uri) {
    Map<String, String> params = new LinkedHashMap<>();
    for (String pair : uri.getRawQuery().split("&")) {
      int eq = pair.indexOf('=');
      params.put(
          URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
          URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return params;
  }
}
