package io.tokenwatch.issuer.server;

import static io.tokenwatch.issuer.testkit.TestIssuer.AGENT;
import static io.tokenwatch.issuer.testkit.TestIssuer.AGENT_SECRET;
import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS;
import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS_SECRET;
import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS_SERVICE;
import static io.tokenwatch.issuer.testkit.TestIssuer.basic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jwt.SignedJWT;
import io.tokenwatch.issuer.testkit.Dpop;
import io.tokenwatch.issuer.testkit.Json;
import io.tokenwatch.issuer.token.TokenService;
import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repro on a real broker: a delegated grant is refreshed after its parent token was revoked
 * through RFC 7009. The issuer's own revocation feed (the one the validators read) must end the
 * delegation: the refresh is refused with {@code invalid_grant}, so the issuer never mints a token
 * every validator would deny.
 */
@KafkaIntegrationTest
class DelegatedRefreshRevocationIntegrationTest {

  private static final String ISSUER_URL = "http://localhost";

  @TempDir Path dir;
  final HttpClient http = HttpClient.newHttpClient();
  final Dpop agentKey = new Dpop();

  @Test
  void shouldRefuseARefreshOnceTheParentTokenIsRevokedThroughRfc7009(TestCluster cluster)
      throws Exception {
    try (IssuerServer server = IssuerServer.start(config(cluster))) {
      HttpResponse<String> issued =
          post(
              server,
              "/oauth2/token",
              form("grant_type", "client_credentials", "audience", ORDERS, "scope", "orders:read"),
              basic(ORDERS_SERVICE, ORDERS_SECRET));
      assertThat(issued.statusCode()).as(issued.body()).isEqualTo(200);
      String parent = Json.field(issued.body(), "access_token");
      String parentJti = SignedJWT.parse(parent).getJWTClaimsSet().getJWTID();
      HttpResponse<String> exchanged = exchange(server, parent);
      assertThat(exchanged.statusCode()).as(exchanged.body()).isEqualTo(200);
      String refreshToken = Json.field(exchanged.body(), "refresh_token");

      HttpResponse<String> revoked =
          post(
              server,
              "/oauth2/revoke",
              form("token", parent),
              basic(ORDERS_SERVICE, ORDERS_SECRET));
      assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(200);
      // The revocation travels through Kafka to the issuer's copy of the feed; once it is there
      // the parent itself can no longer be exchanged.
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> exchange(server, parent).statusCode() == 400);

      HttpResponse<String> refreshed =
          post(
              server,
              "/oauth2/token",
              form("grant_type", "refresh_token", "refresh_token", refreshToken),
              agentHeaders());

      assertThat(refreshed.statusCode()).as(refreshed.body()).isEqualTo(400);
      assertThat(Json.field(refreshed.body(), "error")).isEqualTo("invalid_grant");
      assertThat(Json.field(refreshed.body(), "error_description"))
          .contains("lineage:" + parentJti);
    }
  }

  private HttpResponse<String> exchange(IssuerServer server, String subjectToken) throws Exception {
    return post(
        server,
        "/oauth2/token",
        form(
            "grant_type",
            TokenService.TOKEN_EXCHANGE,
            "subject_token",
            subjectToken,
            "subject_token_type",
            TokenService.ACCESS_TOKEN_TYPE,
            "scope",
            "orders:read"),
        agentHeaders());
  }

  private Map<String, String> agentHeaders() {
    Map<String, String> headers = new HashMap<>(basic(AGENT, AGENT_SECRET));
    headers.put("DPoP", agentKey.proof("POST", ISSUER_URL + "/oauth2/token", Instant.now()));
    return headers;
  }

  private IssuerConfig config(TestCluster cluster) throws Exception {
    Path policy = dir.resolve("policy.yaml");
    try (InputStream in = getClass().getResourceAsStream("/sample-policy.yaml")) {
      Files.write(policy, in.readAllBytes());
    }
    return IssuerConfig.of(
        Map.of(
            IssuerConfig.ISSUER_URL,
            ISSUER_URL,
            IssuerConfig.PORT,
            "0",
            IssuerConfig.POLICY_FILE,
            policy.toString(),
            IssuerConfig.DATA_DIR,
            dir.resolve("data").toString(),
            IssuerConfig.PRODUCE_TIMEOUT_MS,
            "30000",
            IssuerConfig.BOOTSTRAP_SERVERS,
            cluster.bootstrapServers(),
            IssuerConfig.SCHEMA_REGISTRY_URL,
            cluster.schemaRegistryUrl()));
  }

  private HttpResponse<String> post(
      IssuerServer server, String path, Map<String, String> form, Map<String, String> headers)
      throws Exception {
    StringJoiner body = new StringJoiner("&");
    form.forEach((k, v) -> body.add(k + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)));
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .timeout(Duration.ofSeconds(60))
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    headers.forEach(request::header);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static Map<String, String> form(String... pairs) {
    Map<String, String> form = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      form.put(pairs[i], pairs[i + 1]);
    }
    return form;
  }
}
