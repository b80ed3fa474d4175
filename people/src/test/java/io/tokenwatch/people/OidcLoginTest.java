package io.tokenwatch.people;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Login through a real OpenID Connect provider (NAV's mock-oauth2-server, a complete provider with
 * discovery, JWKS, PKCE and signed ID tokens) running in the test, over real HTTP.
 */
class OidcLoginTest {

  static final String CLIENT_ID = "tokenwatch";

  @TempDir Path directory;
  MockOAuth2Server provider;
  GateServer server;
  Client browser;
  final HttpClient toProvider =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(5))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  @BeforeEach
  void start() throws Exception {
    provider = new MockOAuth2Server();
    provider.start();
    server =
        GateServer.start(
            directory,
            Map.of(PeopleConfig.OIDC_ISSUER, issuer(), PeopleConfig.OIDC_CLIENT_ID, CLIENT_ID));
    browser = new Client(server.url());
  }

  @AfterEach
  void stop() {
    server.close();
    provider.shutdown();
  }

  private String issuer() {
    return provider.issuerUrl("default").toString();
  }

  private void nextLoginIs(String subject, Map<String, Object> claims) {
    provider.enqueueCallback(
        new DefaultOAuth2TokenCallback(
            "default", subject, "JWT", List.of(CLIENT_ID), claims, 3600));
  }

  /** Follows the provider's side: it logs the person in at once and redirects back. */
  private String providerRedirect(HttpResponse<String> toAuthorize) throws Exception {
    String authorize = toAuthorize.headers().firstValue("Location").orElseThrow();
    HttpResponse<String> back =
        toProvider.send(
            HttpRequest.newBuilder(URI.create(authorize)).timeout(Duration.ofSeconds(20)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(back.statusCode()).as(back.body()).isEqualTo(302);
    return back.headers().firstValue("Location").orElseThrow();
  }

  @Test
  void shouldLogInThroughTheProviderWithPkceStateAndNonceAndTakeRolesFromTheClaim()
      throws Exception {
    nextLoginIs(
        "alice-sub", Map.of("roles", List.of("approver", "wizard"), "name", "Alice Upstream"));

    HttpResponse<String> start = browser.get("/login/oidc?next=%2Fwhoami");

    assertThat(start.statusCode()).isEqualTo(303);
    URI authorize = URI.create(start.headers().firstValue("Location").orElseThrow());
    assertThat(authorize.toString())
        .startsWith(provider.authorizationEndpointUrl("default").toString());
    assertThat(authorize.getRawQuery())
        .contains("code_challenge_method=S256")
        .contains("code_challenge=")
        .contains("state=")
        .contains("nonce=")
        .contains("client_id=" + CLIENT_ID)
        .contains("response_type=code");

    String callback = providerRedirect(start);
    HttpResponse<String> done = browser.get(callback);

    assertThat(done.statusCode()).as(done.body()).isEqualTo(303);
    assertThat(done.headers().firstValue("Location")).hasValue("/whoami");
    assertThat(browser.get("/whoami").body()).isEqualTo("alice-sub");
    assertThat(browser.get("/login").body())
        .contains("Alice Upstream")
        .contains("Roles: approver<")
        .contains(issuer());
  }

  @Test
  void shouldRefuseACallbackReplayedOrFromAnotherBrowser() throws Exception {
    nextLoginIs("alice-sub", Map.of());
    String callback = providerRedirect(browser.get("/login/oidc"));
    Client attacker = new Client(server.url());

    HttpResponse<String> stolen = attacker.get(callback);
    assertThat(stolen.statusCode()).isEqualTo(400);
    assertThat(attacker.cookies).doesNotContainKey(LoginFlowTest.SESSION);

    // The attempt consumed the state: the rightful browser must start again too.
    HttpResponse<String> late = browser.get(callback);
    assertThat(late.statusCode()).isEqualTo(400);
    assertThat(browser.cookies).doesNotContainKey(LoginFlowTest.SESSION);
  }

  @Test
  void shouldRefuseACallbackWhoseStateIsNotTheOneThisBrowserStarted() throws Exception {
    nextLoginIs("alice-sub", Map.of());
    nextLoginIs("mallory-sub", Map.of());
    String mine = providerRedirect(browser.get("/login/oidc"));
    Client mallory = new Client(server.url());
    String hers = providerRedirect(mallory.get("/login/oidc"));

    // Login CSRF: Mallory's callback pushed into Alice's browser must not log Alice in as Mallory.
    HttpResponse<String> mixed = browser.get(hers);

    assertThat(mixed.statusCode()).isEqualTo(400);
    assertThat(browser.cookies).doesNotContainKey(LoginFlowTest.SESSION);
    assertThat(mine).isNotEqualTo(hers);
  }

  @Test
  void shouldShowAReadablePageWhenTheProviderRefuses() throws Exception {
    HttpResponse<String> start = browser.get("/login/oidc");
    String state =
        URI.create(start.headers().firstValue("Location").orElseThrow())
            .getQuery()
            .replaceAll(".*state=([^&]+).*", "$1");

    HttpResponse<String> refused =
        browser.get("/login/oidc/callback?error=access_denied&state=" + state);

    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(refused.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
    assertThat(refused.body()).contains("did not let you in");
    assertThat(browser.cookies).doesNotContainKey(LoginFlowTest.SESSION);
  }

  @Test
  void shouldAnswer502PageWhenTheProviderIsDown() throws Exception {
    provider.shutdown();

    HttpResponse<String> start = browser.get("/login/oidc");

    assertThat(start.statusCode()).isEqualTo(502);
    assertThat(start.body()).contains("cannot be reached");
  }

  @Test
  void shouldOfferTheUpstreamLoginOnTheLoginPage() throws Exception {
    assertThat(browser.get("/login?next=%2Fwhoami").body())
        .contains("href=\"/login/oidc?next=%2Fwhoami\"");
  }
}
