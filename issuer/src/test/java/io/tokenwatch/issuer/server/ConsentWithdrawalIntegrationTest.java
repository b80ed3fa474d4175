package io.tokenwatch.issuer.server;

import static io.tokenwatch.issuer.testkit.TestIssuer.ASSISTANT;
import static io.tokenwatch.issuer.testkit.TestIssuer.ASSISTANT_REDIRECT;
import static io.tokenwatch.issuer.testkit.TestIssuer.ASSISTANT_SECRET;
import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS;
import static io.tokenwatch.issuer.testkit.TestIssuer.PASSWORD;
import static io.tokenwatch.issuer.testkit.TestIssuer.basic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.issuer.testkit.Json;
import io.tokenwatch.issuer.token.TokenService;
import io.tokenwatch.people.PasswordHashes;
import io.tokenwatch.people.Role;
import io.tokenwatch.people.UsersFile;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import io.tokenwatch.validator.Decision;
import io.tokenwatch.validator.DenyReason;
import io.tokenwatch.validator.JwksSource;
import io.tokenwatch.validator.RevocationIndex;
import io.tokenwatch.validator.TokenRequest;
import io.tokenwatch.validator.TokenValidator;
import io.tokenwatch.validator.kafka.RevocationFeed;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a real broker, with a real validator following the revocation topics: withdrawing a consent
 * writes one grant revocation that denies every token of the consent, including one the client
 * exchanged from it (RFC 8693); a replayed code does the same to the tokens it produced; and a
 * restarted issuer rebuilds the consents in force from both topics.
 */
@KafkaIntegrationTest
class ConsentWithdrawalIntegrationTest {

  private static final String ISSUER_URL = "http://localhost";
  private static final String VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  private static final Pattern REQUEST_ID = Pattern.compile("name=\"request\" value=\"([^\"]+)\"");

  @TempDir Path dir;
  final HttpClient http = HttpClient.newHttpClient();

  @Test
  void shouldDenyEveryTokenOfAWithdrawnOrReplayedConsentEverywhereAndRebuildConsentsOnRestart(
      TestCluster cluster) throws Exception {
    IssuerConfig config = config(cluster);
    String keptConsent;
    try (IssuerServer server = IssuerServer.start(config);
        RevocationFeed feed = feed(cluster)) {
      TokenValidator validator = validator(server, feed);

      // A consent, its token and a token the client exchanged from it: both allowed.
      String code = consent(server);
      HttpResponse<String> tokens = redeem(server, code);
      assertThat(tokens.statusCode()).as(tokens.body()).isEqualTo(200);
      String userToken = Json.field(tokens.body(), "access_token");
      String consentId = SignedJWT.parse(userToken).getJWTClaimsSet().getStringClaim("grant_id");
      HttpResponse<String> exchanged = exchange(server, userToken);
      assertThat(exchanged.statusCode()).as(exchanged.body()).isEqualTo(200);
      String delegated = Json.field(exchanged.body(), "access_token");
      assertThat(validator.validate(request(userToken)).allowed()).isTrue();
      assertThat(validator.validate(request(delegated)).allowed()).isTrue();

      HttpResponse<String> withdrawn =
          post(server, "/consents/" + consentId + "/withdraw", Map.of(), alice());
      assertThat(withdrawn.statusCode()).as(withdrawn.body()).isEqualTo(200);
      assertThat(Json.field(withdrawn.body(), "revoked")).isEqualTo("grant:" + consentId);

      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                assertRevoked(validator.validate(request(userToken)));
                assertRevoked(validator.validate(request(delegated)));
              });

      // A replayed code withdraws its consent: the token it produced is denied too.
      String replayedCode = consent(server);
      HttpResponse<String> first = redeem(server, replayedCode);
      assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
      String earlier = Json.field(first.body(), "access_token");
      assertThat(validator.validate(request(earlier)).allowed()).isTrue();
      HttpResponse<String> replay = redeem(server, replayedCode);
      assertThat(replay.statusCode()).isEqualTo(400);
      assertThat(Json.field(replay.body(), "error")).isEqualTo("invalid_grant");
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(() -> assertRevoked(validator.validate(request(earlier))));

      // One consent stays in force across the restart.
      HttpResponse<String> kept = redeem(server, consent(server));
      keptConsent =
          SignedJWT.parse(Json.field(kept.body(), "access_token"))
              .getJWTClaimsSet()
              .getStringClaim("grant_id");
    }

    try (IssuerServer restarted = IssuerServer.start(config)) {
      HttpResponse<String> listed = get(restarted, "/consents", alice());
      assertThat(listed.statusCode()).isEqualTo(200);
      assertThat(Json.tree(listed.body()).get("consents"))
          .singleElement()
          .satisfies(row -> assertThat(row.get("consent_id").asText()).isEqualTo(keptConsent));
    }
  }

  private static void assertRevoked(Decision decision) {
    assertThat(decision).isInstanceOf(Decision.Deny.class);
    assertThat(((Decision.Deny) decision).reason()).isEqualTo(DenyReason.REVOKED);
  }

  /** Alice approves orders:read for the assistant; returns the code. */
  private String consent(IssuerServer server) throws Exception {
    String query =
        "response_type=code&client_id="
            + ASSISTANT
            + "&redirect_uri="
            + enc(ASSISTANT_REDIRECT)
            + "&scope="
            + enc("orders:read orders:export")
            + "&state=s&nonce=n&code_challenge_method=S256&code_challenge="
            + challenge()
            + "&audience="
            + enc(ORDERS)
            + "&purpose="
            + enc("Monthly export");
    HttpResponse<String> page = get(server, "/authorize?" + query, alice());
    assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
    Matcher id = REQUEST_ID.matcher(page.body());
    assertThat(id.find()).isTrue();
    Map<String, String> form = new LinkedHashMap<>();
    form.put("request", id.group(1));
    form.put("decision", "approve");
    form.put("scope", "orders:read");
    HttpResponse<String> answer = post(server, "/authorize", form, alice());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(303);
    String location = answer.headers().firstValue("Location").orElseThrow();
    Matcher code = Pattern.compile("[?&]code=([^&]+)").matcher(location);
    assertThat(code.find()).as(location).isTrue();
    return java.net.URLDecoder.decode(code.group(1), StandardCharsets.UTF_8);
  }

  private HttpResponse<String> redeem(IssuerServer server, String code) throws Exception {
    Map<String, String> form = new LinkedHashMap<>();
    form.put("grant_type", "authorization_code");
    form.put("code", code);
    form.put("code_verifier", VERIFIER);
    form.put("redirect_uri", ASSISTANT_REDIRECT);
    return post(server, "/oauth2/token", form, basic(ASSISTANT, ASSISTANT_SECRET));
  }

  private HttpResponse<String> exchange(IssuerServer server, String subjectToken) throws Exception {
    Map<String, String> form = new LinkedHashMap<>();
    form.put("grant_type", TokenService.TOKEN_EXCHANGE);
    form.put("subject_token", subjectToken);
    form.put("subject_token_type", TokenService.ACCESS_TOKEN_TYPE);
    form.put("scope", "orders:read");
    return post(server, "/oauth2/token", form, basic(ASSISTANT, ASSISTANT_SECRET));
  }

  private TokenValidator validator(IssuerServer server, RevocationFeed feed) throws Exception {
    return TokenValidator.builder()
        .issuer(ISSUER_URL)
        .audience(ORDERS)
        .jwks(JwksSource.fixed(JWKSet.parse(server.keys().jwksJson())))
        .revocations(feed)
        .maxStaleness(Duration.ofSeconds(30))
        .build();
  }

  private RevocationFeed feed(TestCluster cluster) throws Exception {
    SerdeConfig serde =
        SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl()));
    RevocationFeed feed =
        new RevocationFeed(
            Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()),
            AvroSerdes.specific(
                    Revocation.class,
                    new HttpSchemaRegistryClient(serde.registrySettings()),
                    serde,
                    false)
                .deserializer(),
            Topics.REVOCATIONS.name(),
            Topics.REVOCATION_FAST_PATH.name(),
            new RevocationIndex(),
            Clock.systemUTC(),
            Duration.ofMillis(200));
    assertThat(feed.awaitReady(Duration.ofSeconds(60))).isTrue();
    return feed;
  }

  private static TokenRequest request(String token) {
    return TokenRequest.of(token, "GET", ORDERS + "/orders", Set.of());
  }

  private IssuerConfig config(TestCluster cluster) throws Exception {
    Path policy = dir.resolve("policy.yaml");
    try (InputStream in = getClass().getResourceAsStream("/sample-policy.yaml")) {
      Files.write(policy, in.readAllBytes());
    }
    Path users = dir.resolve("users.yaml");
    UsersFile.write(
        users,
        List.of(
            new UsersFile.User(
                "alice", "Alice Example", EnumSet.of(Role.USER), PasswordHashes.hash(PASSWORD))));
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put(IssuerConfig.ISSUER_URL, ISSUER_URL);
    settings.put(IssuerConfig.PORT, "0");
    settings.put(IssuerConfig.POLICY_FILE, policy.toString());
    settings.put(IssuerConfig.DATA_DIR, dir.resolve("data").toString());
    settings.put(IssuerConfig.PRODUCE_TIMEOUT_MS, "30000");
    settings.put(IssuerConfig.BOOTSTRAP_SERVERS, cluster.bootstrapServers());
    settings.put(IssuerConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl());
    settings.put("people.users-file", users.toString());
    return IssuerConfig.of(settings);
  }

  private static Map<String, String> alice() {
    Map<String, String> headers = new LinkedHashMap<>(basic("alice", PASSWORD));
    headers.put("Accept", "application/json");
    return headers;
  }

  private HttpResponse<String> get(IssuerServer server, String path, Map<String, String> headers)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path))
            .timeout(Duration.ofSeconds(60))
            .GET();
    headers.forEach(request::header);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(
      IssuerServer server, String path, Map<String, String> form, Map<String, String> headers)
      throws Exception {
    StringJoiner body = new StringJoiner("&");
    form.forEach((k, v) -> body.add(k + "=" + enc(v)));
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .timeout(Duration.ofSeconds(60))
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    headers.forEach(request::header);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static String challenge() throws Exception {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(
            MessageDigest.getInstance("SHA-256")
                .digest(VERIFIER.getBytes(StandardCharsets.US_ASCII)));
  }
}
