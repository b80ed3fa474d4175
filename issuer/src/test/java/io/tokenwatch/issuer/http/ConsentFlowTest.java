package io.tokenwatch.issuer.http;

import static io.tokenwatch.issuer.testkit.TestIssuer.ASSISTANT;
import static io.tokenwatch.issuer.testkit.TestIssuer.ASSISTANT_REDIRECT;
import static io.tokenwatch.issuer.testkit.TestIssuer.ASSISTANT_SECRET;
import static io.tokenwatch.issuer.testkit.TestIssuer.ISSUER;
import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS;
import static io.tokenwatch.issuer.testkit.TestIssuer.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationErrorResponse;
import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.AuthorizationSuccessResponse;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenErrorResponse;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.claims.IDTokenClaimsSet;
import com.nimbusds.openid.connect.sdk.validators.IDTokenValidator;
import io.tokenwatch.events.ConsentWithdrawalReason;
import io.tokenwatch.issuer.testkit.TestIssuer;
import io.tokenwatch.keys.SigningAlgorithm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The authorization code flow end to end over HTTP, its client side played by an independent
 * library (Nimbus OAuth 2.0 SDK): its PKCE, its parsing of the callback, its token request and its
 * ID token validation, against the issuer's /authorize, consent form and token endpoint.
 */
class ConsentFlowTest {

  private static final Pattern REQUEST_ID = Pattern.compile("name=\"request\" value=\"([^\"]+)\"");
  private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");

  @TempDir Path dir;
  TestIssuer issuer;
  HttpClient http;

  @BeforeEach
  void start() {
    // Nimbus' key selectors take java.security keys, which Ed25519 JWKs are not: RS256 here.
    issuer = new TestIssuer(dir, SigningAlgorithm.RS256);
    http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
  }

  @AfterEach
  void stop() {
    issuer.close();
  }

  /** What a client keeps between sending the person away and the callback. */
  record ClientSide(State state, Nonce nonce, CodeVerifier verifier, URI request) {}

  private ClientSide authorizationRequest(String scopes) {
    State state = new State();
    Nonce nonce = new Nonce();
    CodeVerifier verifier = new CodeVerifier();
    URI endpoint = URI.create(issuer.url() + "/authorize");
    Scope scope = Scope.parse(scopes);
    URI request =
        scope.contains("openid")
            ? new AuthenticationRequest.Builder(
                    new ResponseType(ResponseType.Value.CODE),
                    scope,
                    new ClientID(ASSISTANT),
                    URI.create(ASSISTANT_REDIRECT))
                .endpointURI(endpoint)
                .state(state)
                .nonce(nonce)
                .codeChallenge(verifier, CodeChallengeMethod.S256)
                .customParameter("audience", ORDERS)
                .customParameter("purpose", "Prepare your monthly orders export")
                .build()
                .toURI()
            : new com.nimbusds.oauth2.sdk.AuthorizationRequest.Builder(
                    new ResponseType(ResponseType.Value.CODE), new ClientID(ASSISTANT))
                .redirectionURI(URI.create(ASSISTANT_REDIRECT))
                .scope(scope)
                .endpointURI(endpoint)
                .state(state)
                .codeChallenge(verifier, CodeChallengeMethod.S256)
                .customParameter("nonce", nonce.getValue())
                .customParameter("audience", ORDERS)
                .customParameter("purpose", "Prepare your monthly orders export")
                .build()
                .toURI();
    return new ClientSide(state, nonce, verifier, request);
  }

  /** Alice (HTTP Basic) sees the consent page and answers it; returns the redirect. */
  private URI consent(ClientSide client, String decision, String... ticked) {
    HttpResponse<String> page = send(get(client.request()).header("Authorization", alice()));
    assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
    Matcher id = REQUEST_ID.matcher(page.body());
    assertThat(id.find()).isTrue();
    List<String> form = new ArrayList<>(List.of("request", id.group(1), "decision", decision));
    for (String scope : ticked) {
      form.add("scope");
      form.add(scope);
    }
    HttpResponse<String> answer =
        send(postForm(issuer.url() + "/authorize", form).header("Authorization", alice()));
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(303);
    return URI.create(answer.headers().firstValue("Location").orElseThrow());
  }

  private TokenResponse redeem(AuthorizationCode code, CodeVerifier verifier) throws Exception {
    TokenRequest request =
        new TokenRequest.Builder(
                URI.create(issuer.url() + "/oauth2/token"),
                new ClientSecretBasic(new ClientID(ASSISTANT), new Secret(ASSISTANT_SECRET)),
                new AuthorizationCodeGrant(code, URI.create(ASSISTANT_REDIRECT), verifier))
            .build();
    return OIDCTokenResponseParser.parse(request.toHTTPRequest().send());
  }

  @Test
  void shouldCompleteTheFlowWithASubsetOfScopesAndAnIdTokenTheClientLibraryAccepts()
      throws Exception {
    ClientSide client = authorizationRequest("openid orders:read orders:export");

    URI callback = consent(client, "approve", "orders:read");

    AuthorizationResponse response = AuthorizationResponse.parse(callback);
    assertThat(response.indicatesSuccess()).isTrue();
    assertThat(response.getState()).isEqualTo(client.state());
    assertThat(callback.toString()).startsWith(ASSISTANT_REDIRECT + "?");
    assertThat(callback.getQuery()).contains("iss=" + ISSUER);
    AuthorizationCode code = ((AuthorizationSuccessResponse) response).getAuthorizationCode();
    TokenResponse tokens = redeem(code, client.verifier());
    assertThat(tokens.indicatesSuccess()).isTrue();
    OIDCTokenResponse oidc = (OIDCTokenResponse) tokens;
    assertThat(oidc.getOIDCTokens().getAccessToken().getScope())
        .isEqualTo(Scope.parse("orders:read"));
    JWTClaimsSet access =
        SignedJWT.parse(oidc.getOIDCTokens().getAccessToken().getValue()).getJWTClaimsSet();
    assertThat(access.getSubject()).isEqualTo("alice");
    assertThat(access.getStringClaim("grant_id")).startsWith("cns-");
    IDTokenValidator validator =
        new IDTokenValidator(
            new Issuer(ISSUER),
            new ClientID(ASSISTANT),
            new JWSVerificationKeySelector<SecurityContext>(
                JWSAlgorithm.RS256, new ImmutableJWKSet<>(JWKSet.parse(issuer.keys.jwksJson()))),
            null);
    IDTokenClaimsSet id = validator.validate(oidc.getOIDCTokens().getIDToken(), client.nonce());
    assertThat(id.getSubject().getValue()).isEqualTo("alice");
    assertThat(issuer.consentLog.granted)
        .singleElement()
        .satisfies(
            event -> {
              assertThat(event.getUser()).isEqualTo("alice");
              assertThat(event.getLogin()).isEqualTo("local");
              assertThat(event.getGrantedScopes()).containsExactly("orders:read");
              assertThat(event.getPurpose()).isEqualTo("Prepare your monthly orders export");
            });
  }

  @Test
  void shouldSendAccessDeniedWithTheStateWhenThePersonDenies() {
    ClientSide client = authorizationRequest("orders:read");

    AuthorizationResponse response = parse(consent(client, "deny"));

    assertThat(response.indicatesSuccess()).isFalse();
    assertThat(((AuthorizationErrorResponse) response).getErrorObject().getCode())
        .isEqualTo("access_denied");
    assertThat(response.getState()).isEqualTo(client.state());
    assertThat(issuer.consentLog.granted).isEmpty();
  }

  @Test
  void shouldNotLetACodeOfOneRequestBeRedeemedForAnotherOrItsStateBeTakenForAnothers()
      throws Exception {
    ClientSide first = authorizationRequest("orders:read");
    ClientSide second = authorizationRequest("orders:read");
    AuthorizationResponse secondCallback = parse(consent(second, "approve", "orders:read"));

    // The client waiting for the first request must not take the second's callback ...
    assertThat(secondCallback.getState()).isNotEqualTo(first.state());
    // ... and even if it did, the code is bound to the second request's PKCE verifier.
    TokenResponse mixedUp =
        redeem(
            ((AuthorizationSuccessResponse) secondCallback).getAuthorizationCode(),
            first.verifier());
    assertThat(mixedUp.indicatesSuccess()).isFalse();
    assertThat(((TokenErrorResponse) mixedUp).getErrorObject().getCode())
        .isEqualTo("invalid_grant");
  }

  @Test
  void shouldWithdrawTheConsentWhenItsCodeIsRedeemedTwice() throws Exception {
    ClientSide client = authorizationRequest("orders:read");
    AuthorizationCode code =
        ((AuthorizationSuccessResponse) parse(consent(client, "approve", "orders:read")))
            .getAuthorizationCode();
    assertThat(redeem(code, client.verifier()).indicatesSuccess()).isTrue();

    TokenResponse replay = redeem(code, client.verifier());

    assertThat(((TokenErrorResponse) replay).getErrorObject().getCode()).isEqualTo("invalid_grant");
    assertThat(issuer.consentLog.withdrawn)
        .singleElement()
        .satisfies(
            event ->
                assertThat(event.getReason()).isEqualTo(ConsentWithdrawalReason.CODE_REPLAYED));
  }

  @Test
  void shouldShowAnErrorPageAndNeverRedirectForAnUnregisteredRedirectUri() {
    String query =
        "response_type=code&client_id="
            + ASSISTANT
            + "&redirect_uri="
            + enc("https://evil.example/callback")
            + "&scope=orders:read&state=s&nonce=n&code_challenge_method=S256&code_challenge="
            + "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&purpose=x";

    HttpResponse<String> page =
        send(
            get(URI.create(issuer.url() + "/authorize?" + query)).header("Authorization", alice()));

    assertThat(page.statusCode()).isEqualTo(400);
    assertThat(page.headers().firstValue("Location")).isEmpty();
    assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
    assertThat(page.body()).doesNotContain("evil.example").doesNotContain("Exception");
  }

  @Test
  void shouldAnswerAnOverlongAuthorizationRequestWithAPageNotARedirect() {
    String registered = "client_id=" + ASSISTANT + "&redirect_uri=" + enc(ASSISTANT_REDIRECT);
    for (String query :
        List.of(registered + "&purpose=" + "x".repeat(5000), "x".repeat(4097) + "&" + registered)) {
      HttpResponse<String> page =
          send(
              get(URI.create(issuer.url() + "/authorize?" + query))
                  .header("Authorization", alice()));

      assertThat(page.statusCode()).as(page.body()).isEqualTo(400);
      assertThat(page.headers().firstValue("Location")).isEmpty();
      assertThat(page.body()).doesNotContain("Exception");
    }
  }

  @Test
  void shouldRedirectAPlainPkceRequestBackWithInvalidRequest() {
    String query =
        "response_type=code&client_id="
            + ASSISTANT
            + "&redirect_uri="
            + enc(ASSISTANT_REDIRECT)
            + "&scope=orders:read&state=s1&nonce=n&code_challenge_method=plain&code_challenge="
            + "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&purpose=x";

    HttpResponse<String> answer = send(get(URI.create(issuer.url() + "/authorize?" + query)));

    assertThat(answer.statusCode()).isEqualTo(303);
    AuthorizationResponse response =
        parse(URI.create(answer.headers().firstValue("Location").orElseThrow()));
    assertThat(((AuthorizationErrorResponse) response).getErrorObject().getCode())
        .isEqualTo("invalid_request");
    assertThat(response.getState()).isEqualTo(new State("s1"));
  }

  @Test
  void shouldSendABrowserThatIsNotLoggedInToTheLoginPageAndBack() {
    ClientSide client = authorizationRequest("orders:read");

    HttpResponse<String> answer = send(get(client.request()).header("Accept", "text/html"));

    assertThat(answer.statusCode()).isEqualTo(303);
    String location = answer.headers().firstValue("Location").orElseThrow();
    assertThat(location).startsWith("/login?next=" + enc("/authorize?"));
  }

  @Test
  void shouldRefuseAnApprovalWithoutTheSessionsCsrfTokenAndRecordNothing() {
    HttpClient browser =
        HttpClient.newBuilder()
            .cookieHandler(new CookieManager())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    String loginPage = send(browser, get(URI.create(issuer.url() + "/login"))).body();
    Matcher loginCsrf = CSRF.matcher(loginPage);
    assertThat(loginCsrf.find()).isTrue();
    HttpResponse<String> login =
        send(
            browser,
            postForm(
                issuer.url() + "/login",
                List.of("csrf", loginCsrf.group(1), "username", "alice", "password", PASSWORD)));
    assertThat(login.statusCode()).as(login.body()).isEqualTo(303);
    ClientSide client = authorizationRequest("orders:read");
    String page = send(browser, get(client.request())).body();
    Matcher id = REQUEST_ID.matcher(page);
    Matcher csrf = CSRF.matcher(page);
    assertThat(id.find()).as(page).isTrue();
    assertThat(csrf.find()).isTrue();

    HttpResponse<String> noToken =
        send(
            browser,
            postForm(
                issuer.url() + "/authorize",
                List.of("request", id.group(1), "decision", "approve", "scope", "orders:read")));
    HttpResponse<String> otherSite =
        send(
            browser,
            postForm(
                    issuer.url() + "/authorize",
                    List.of(
                        "csrf",
                        csrf.group(1),
                        "request",
                        id.group(1),
                        "decision",
                        "approve",
                        "scope",
                        "orders:read"))
                .header("Origin", "https://evil.example"));

    assertThat(noToken.statusCode()).isEqualTo(403);
    assertThat(otherSite.statusCode()).isEqualTo(403);
    assertThat(issuer.consentLog.granted).isEmpty();
    // The genuine form still works afterwards: the forged posts did not spend the request.
    HttpResponse<String> genuine =
        send(
            browser,
            postForm(
                issuer.url() + "/authorize",
                List.of(
                    "csrf",
                    csrf.group(1),
                    "request",
                    id.group(1),
                    "decision",
                    "approve",
                    "scope",
                    "orders:read")));
    assertThat(genuine.statusCode()).as(genuine.body()).isEqualTo(303);
    assertThat(issuer.consentLog.granted).hasSize(1);
  }

  @Test
  void shouldRefuseMalformedAndWidenedFormsAndRecordNothing() {
    ClientSide client = authorizationRequest("orders:read");
    HttpResponse<String> page = send(get(client.request()).header("Authorization", alice()));
    Matcher id = REQUEST_ID.matcher(page.body());
    assertThat(id.find()).isTrue();

    HttpResponse<String> badEncoding =
        send(
            HttpRequest.newBuilder(URI.create(issuer.url() + "/authorize"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Authorization", alice())
                .POST(HttpRequest.BodyPublishers.ofString("request=%zz&decision=approve")));
    HttpResponse<String> oversized =
        send(
            postForm(
                    issuer.url() + "/authorize",
                    List.of(
                        "request", id.group(1), "decision", "approve", "scope", "x".repeat(20_000)))
                .header("Authorization", alice()));
    HttpResponse<String> widened =
        send(
            postForm(
                    issuer.url() + "/authorize",
                    List.of(
                        "request",
                        id.group(1),
                        "decision",
                        "approve",
                        "scope",
                        "orders:read",
                        "scope",
                        "payments:refund"))
                .header("Authorization", alice()));

    assertThat(badEncoding.statusCode()).isEqualTo(400);
    assertThat(oversized.statusCode()).isEqualTo(413);
    assertThat(widened.statusCode()).isEqualTo(400);
    for (HttpResponse<String> refused : List.of(badEncoding, oversized, widened)) {
      assertThat(refused.body()).doesNotContain("Exception").doesNotContain("at io.");
    }
    assertThat(issuer.consentLog.granted).isEmpty();
  }

  @Test
  void shouldListAndWithdrawConsentsForTheirOwnerOnly() throws Exception {
    ClientSide client = authorizationRequest("orders:read");
    consent(client, "approve", "orders:read");
    String consentId = issuer.consentLog.granted.get(0).getConsentId();

    HttpResponse<String> listed =
        send(
            get(URI.create(issuer.url() + "/consents"))
                .header("Authorization", alice())
                .header("Accept", "application/json"));
    HttpResponse<String> bobTries =
        send(
            postForm(issuer.url() + "/consents/" + consentId + "/withdraw", List.of())
                .header("Authorization", basic("bob"))
                .header("Accept", "application/json"));
    HttpResponse<String> aliceWithdraws =
        send(
            postForm(issuer.url() + "/consents/" + consentId + "/withdraw", List.of())
                .header("Authorization", alice())
                .header("Accept", "application/json"));

    assertThat(listed.statusCode()).isEqualTo(200);
    assertThat(listed.body()).contains(consentId).contains("Prepare your monthly orders export");
    assertThat(bobTries.statusCode()).isEqualTo(404);
    assertThat(bobTries.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/problem+json");
    assertThat(aliceWithdraws.statusCode()).as(aliceWithdraws.body()).isEqualTo(200);
    assertThat(issuer.consentLog.withdrawn)
        .singleElement()
        .satisfies(
            event -> {
              assertThat(event.getReason()).isEqualTo(ConsentWithdrawalReason.USER_WITHDREW);
              assertThat(event.getWithdrawnBy()).isEqualTo("alice");
            });
    assertThat(issuer.recorded().requests).hasSize(1);
    assertThat(issuer.recorded().requests.get(0).getSelector().getValue()).isEqualTo(consentId);
    HttpResponse<String> after =
        send(
            get(URI.create(issuer.url() + "/consents"))
                .header("Authorization", alice())
                .header("Accept", "application/json"));
    assertThat(after.body()).doesNotContain(consentId);
  }

  private static AuthorizationResponse parse(URI callback) {
    try {
      return AuthorizationResponse.parse(callback);
    } catch (com.nimbusds.oauth2.sdk.ParseException e) {
      throw new IllegalStateException(callback.toString(), e);
    }
  }

  private static String alice() {
    return basic("alice");
  }

  private static String basic(String user) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
  }

  private static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static HttpRequest.Builder get(URI uri) {
    return HttpRequest.newBuilder(uri).GET();
  }

  private static HttpRequest.Builder postForm(String url, List<String> namesAndValues) {
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < namesAndValues.size(); i += 2) {
      if (body.length() > 0) {
        body.append('&');
      }
      body.append(enc(namesAndValues.get(i))).append('=').append(enc(namesAndValues.get(i + 1)));
    }
    return HttpRequest.newBuilder(URI.create(url))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
  }

  private HttpResponse<String> send(HttpRequest.Builder request) {
    return send(http, request);
  }

  private static HttpResponse<String> send(HttpClient client, HttpRequest.Builder request) {
    try {
      return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
