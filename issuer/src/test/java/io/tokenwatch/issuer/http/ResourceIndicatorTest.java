package io.tokenwatch.issuer.http;

import static io.tokenwatch.issuer.testkit.TestIssuer.AGENT;
import static io.tokenwatch.issuer.testkit.TestIssuer.AGENT_SECRET;
import static io.tokenwatch.issuer.testkit.TestIssuer.CONSOLE;
import static io.tokenwatch.issuer.testkit.TestIssuer.CONSOLE_SECRET;
import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS;
import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS_SECRET;
import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS_SERVICE;
import static io.tokenwatch.issuer.testkit.TestIssuer.basic;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.SignedJWT;
import io.tokenwatch.issuer.testkit.Dpop;
import io.tokenwatch.issuer.testkit.Json;
import io.tokenwatch.issuer.testkit.TestIssuer;
import io.tokenwatch.issuer.token.TokenService;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RFC 8707 resource indicators at the token endpoint: {@code resource} names the audience (an
 * absolute URI without a fragment, repeatable), is honoured by every grant, and is never ignored: a
 * resource policy does not allow, a malformed one, or several that a one-audience token cannot
 * carry are {@code invalid_target}.
 */
class ResourceIndicatorTest {

  @TempDir Path dir;
  TestIssuer issuer;
  final Dpop key = new Dpop();

  @BeforeEach
  void start() {
    issuer = new TestIssuer(dir);
  }

  @AfterEach
  void stop() {
    issuer.close();
  }

  /** A form body in which a name may repeat, e.g. {@code resource}. */
  private static String body(String... namesAndValues) {
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      if (body.length() > 0) {
        body.append('&');
      }
      body.append(namesAndValues[i])
          .append('=')
          .append(URLEncoder.encode(namesAndValues[i + 1], StandardCharsets.UTF_8));
    }
    return body.toString();
  }

  private HttpResponse<String> token(String body, Map<String, String> headers) {
    return issuer.post("/oauth2/token", "application/x-www-form-urlencoded", body, headers);
  }

  private HttpResponse<String> ordersService(String... extra) {
    String[] params = new String[extra.length + 4];
    params[0] = "grant_type";
    params[1] = "client_credentials";
    params[2] = "scope";
    params[3] = "orders:read";
    System.arraycopy(extra, 0, params, 4, extra.length);
    return token(body(params), basic(ORDERS_SERVICE, ORDERS_SECRET));
  }

  private Map<String, String> agent() {
    Map<String, String> headers = new HashMap<>(basic(AGENT, AGENT_SECRET));
    headers.put("DPoP", key.proof("POST", TestIssuer.tokenEndpoint(), issuer.clock.instant()));
    return headers;
  }

  private static void assertInvalidTarget(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(Json.field(response.body(), "error")).isEqualTo("invalid_target");
  }

  private static String audience(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return SignedJWT.parse(Json.field(response.body(), "access_token"))
        .getJWTClaimsSet()
        .getAudience()
        .get(0);
  }

  @Test
  void shouldIssueForTheResourceAlone() throws Exception {
    assertThat(audience(ordersService("resource", ORDERS))).isEqualTo(ORDERS);
  }

  @Test
  void shouldAcceptTheResourceRepeatedOrEqualToTheAudience() throws Exception {
    assertThat(audience(ordersService("resource", ORDERS, "resource", ORDERS))).isEqualTo(ORDERS);
    assertThat(audience(ordersService("audience", ORDERS, "resource", ORDERS))).isEqualTo(ORDERS);
  }

  @Test
  void shouldRefuseAResourceThePolicyDoesNotAllowTheClient() {
    assertInvalidTarget(ordersService("resource", "https://payments.example.com"));
  }

  @Test
  void shouldRefuseAResourceThatDisagreesWithTheAudienceInsteadOfIgnoringIt() {
    assertInvalidTarget(
        ordersService("audience", ORDERS, "resource", "https://payments.example.com"));
  }

  @Test
  void shouldRefuseSeveralResourcesForAOneAudienceToken() {
    HttpResponse<String> response =
        ordersService("resource", ORDERS, "resource", "https://payments.example.com");

    assertInvalidTarget(response);
    assertThat(Json.field(response.body(), "error_description")).contains("one audience");
  }

  @Test
  void shouldRefuseAResourceThatIsNotAnAbsoluteUriWithoutFragment() {
    assertInvalidTarget(ordersService("audience", ORDERS, "resource", "orders.example.com"));
    assertInvalidTarget(ordersService("audience", ORDERS, "resource", ORDERS + "#part"));
    assertInvalidTarget(ordersService("audience", ORDERS, "resource", "https://a b"));
  }

  @Test
  void shouldGetAnAdminTokenForTheIssuersOwnUrlAsTheResource() throws Exception {
    HttpResponse<String> response =
        token(
            body(
                "grant_type",
                "client_credentials",
                "scope",
                "tokenwatch:admin",
                "resource",
                TestIssuer.ISSUER),
            basic(CONSOLE, CONSOLE_SECRET));

    assertThat(audience(response)).isEqualTo(TestIssuer.ISSUER);
  }

  @Test
  void shouldHonourTheResourceInATokenExchange() throws Exception {
    String subject = issuer.ordersServiceToken("orders:read");
    String exchange =
        body(
            "grant_type",
            TokenService.TOKEN_EXCHANGE,
            "subject_token",
            subject,
            "subject_token_type",
            TokenService.ACCESS_TOKEN_TYPE,
            "scope",
            "orders:read");

    assertThat(audience(token(exchange + "&" + body("resource", ORDERS), agent())))
        .isEqualTo(ORDERS);
    assertInvalidTarget(token(exchange + "&" + body("resource", "https://evil.example"), agent()));
  }

  @Test
  void shouldRefuseARefreshForAnotherResourceThanTheGrants() {
    String subject = issuer.ordersServiceToken("orders:read");
    HttpResponse<String> exchanged =
        token(
            body(
                "grant_type",
                TokenService.TOKEN_EXCHANGE,
                "subject_token",
                subject,
                "subject_token_type",
                TokenService.ACCESS_TOKEN_TYPE,
                "scope",
                "orders:read"),
            agent());
    String refreshToken = Json.field(exchanged.body(), "refresh_token");

    HttpResponse<String> elsewhere =
        token(
            body(
                "grant_type",
                "refresh_token",
                "refresh_token",
                refreshToken,
                "resource",
                "https://payments.example.com"),
            agent());
    HttpResponse<String> same =
        token(
            body("grant_type", "refresh_token", "refresh_token", refreshToken, "resource", ORDERS),
            agent());

    assertInvalidTarget(elsewhere);
    assertThat(same.statusCode()).as(same.body()).isEqualTo(200);
  }
}
