package io.tokenwatch.people;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.tokenwatch.testing.fixtures.MutableClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gate identifying a person by a person assertion (header {@value PersonAssertions#HEADER}),
 * over real HTTP: what it accepts, what it refuses and how, and the CSRF rules for such requests.
 */
class PersonAssertionGateTest {

  static final String CONSOLE = "http://localhost:9500";
  static final Person RITA =
      new Person("rita", "Rita Responder", EnumSet.of(Role.RESPONDER), Person.LOCAL);
  static final Person CAROL =
      new Person("carol", "Carol Approver", EnumSet.of(Role.APPROVER), Person.LOCAL);

  @TempDir Path directory;
  final MutableClock clock = new MutableClock(Instant.now());
  GateServer server;
  Path secretFile;
  PersonAssertions console;
  final HttpClient http =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(5))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  @BeforeEach
  void start() throws Exception {
    secretFile = PersonAssertions.createSecretFile(directory.resolve("person-assertion.secret"));
    server =
        GateServer.start(
            directory, Map.of(PeopleConfig.ASSERTION_SECRET_FILE, secretFile.toString()), clock);
    console = PersonAssertions.fromSecretFile(secretFile, clock);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(
        request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(server.url() + path));
  }

  private HttpRequest.Builder asserted(String path, Person person) {
    return request(path)
        .header(PersonAssertions.HEADER, console.sign(person, server.url(), CONSOLE));
  }

  private static HttpRequest.Builder post(HttpRequest.Builder request) {
    return request.POST(HttpRequest.BodyPublishers.noBody());
  }

  private static void assertProblem(HttpResponse<String> response, int status) {
    assertThat(response.statusCode()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(response.body()).doesNotContain("Exception").doesNotContain("<html");
  }

  @Test
  void shouldKnowTheAssertedPersonAndTheFrontEndThatAssertedThem() throws Exception {
    HttpResponse<String> response = send(asserted("/via", RITA));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("rita via " + CONSOLE);
  }

  @Test
  void shouldNameNoAsserterForAPersonLoggedInByBasic() throws Exception {
    HttpResponse<String> response =
        send(request("/via").header("Authorization", basic("alice", GateServer.PASSWORD)));

    assertThat(response.body()).isEqualTo("alice via -");
  }

  @Test
  void shouldCarryTheAssertedRolesIntoRoleChecks() throws Exception {
    HttpResponse<String> approver = send(post(asserted("/approve", CAROL)));
    HttpResponse<String> responder = send(post(asserted("/approve", RITA)));

    assertThat(approver.statusCode()).isEqualTo(200);
    assertThat(approver.body()).isEqualTo("approved by carol");
    assertProblem(responder, 403);
    assertThat(responder.body()).contains("approver");
  }

  @Test
  void shouldLetAssertedRequestsPostWithoutCsrfToken() throws Exception {
    HttpResponse<String> response = send(post(asserted("/approve", CAROL)));

    assertThat(response.statusCode()).isEqualTo(200);
  }

  @Test
  void shouldStillRefuseAnAssertedPostFromAnotherSite() throws Exception {
    HttpResponse<String> response =
        send(post(asserted("/approve", CAROL).header("Origin", "https://evil.example")));

    assertProblem(response, 403);
  }

  @Test
  void shouldRefuseAForgedAssertionWith401NamingNothingSecret() throws Exception {
    PersonAssertions forger = PersonAssertions.of(new byte[32], clock);
    String forged = forger.sign(CAROL, server.url(), CONSOLE);

    HttpResponse<String> response =
        send(post(request("/approve").header(PersonAssertions.HEADER, forged)));

    assertProblem(response, 401);
    assertThat(response.body())
        .contains("not valid")
        .doesNotContain("signature")
        .doesNotContain(secretText());
    assertThat(response.headers().firstValue("WWW-Authenticate"))
        .hasValueSatisfying(v -> assertThat(v).startsWith(PersonAssertions.HEADER));
  }

  @Test
  void shouldRefuseAReplayedAssertion() throws Exception {
    String once = console.sign(CAROL, server.url(), CONSOLE);
    assertThat(send(post(request("/approve").header(PersonAssertions.HEADER, once))).statusCode())
        .isEqualTo(200);

    HttpResponse<String> replayed =
        send(post(request("/approve").header(PersonAssertions.HEADER, once)));

    assertProblem(replayed, 401);
  }

  @Test
  void shouldRefuseAnAssertionForAnotherService() throws Exception {
    String elsewhere = console.sign(CAROL, "http://localhost:9700", CONSOLE);

    HttpResponse<String> response =
        send(post(request("/approve").header(PersonAssertions.HEADER, elsewhere)));

    assertProblem(response, 401);
  }

  @Test
  void shouldRefuseAnExpiredAssertion() throws Exception {
    String old = console.sign(CAROL, server.url(), CONSOLE);
    clock.advance(PersonAssertions.MAX_LIFETIME.plus(PersonAssertions.CLOCK_SKEW).plusSeconds(1));

    HttpResponse<String> response =
        send(post(request("/approve").header(PersonAssertions.HEADER, old)));

    assertProblem(response, 401);
  }

  @Test
  void shouldRefuseAnAssertionSignedWithTheSecretButClaimingALongLife() throws Exception {
    Instant now = clock.instant();
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(CONSOLE)
            .audience(server.url())
            .subject("carol")
            .claim("roles", List.of("approver"))
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(Duration.ofDays(1))))
            .jwtID("long-lived")
            .build();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.HS256)
                .type(new JOSEObjectType("tokenwatch-person+jwt"))
                .build(),
            claims);
    jwt.sign(new MACSigner(Base64.getUrlDecoder().decode(secretText())));

    HttpResponse<String> response =
        send(post(request("/approve").header(PersonAssertions.HEADER, jwt.serialize())));

    assertProblem(response, 401);
  }

  @Test
  void shouldRefuseGarbageInTheHeaderAsInvalid() throws Exception {
    for (String garbage : List.of("x", "a.b.c", "x".repeat(5_000))) {
      HttpResponse<String> response =
          send(request("/whoami").header(PersonAssertions.HEADER, garbage));

      assertProblem(response, 401);
    }
  }

  @Test
  void shouldRefuseAnAssertionBesideASessionCookieAsAmbiguous() throws Exception {
    Client browser = new Client(server.url());
    browser.login("alice", GateServer.PASSWORD, "");
    assertThat(browser.cookies).isNotEmpty();

    HttpResponse<String> response =
        browser.get("/whoami", PersonAssertions.HEADER, console.sign(CAROL, server.url(), CONSOLE));

    assertProblem(response, 400);
    assertThat(response.body()).contains("send one");
  }

  @Test
  void shouldRefuseAnAssertionBesideBasicCredentialsAsAmbiguous() throws Exception {
    HttpResponse<String> response =
        send(
            post(
                asserted("/approve", RITA)
                    .header("Authorization", basic("carol", GateServer.PASSWORD))));

    assertProblem(response, 400);
  }

  @Test
  void shouldRefuseAssertionsWhereNoSecretIsConfigured() throws Exception {
    server.close();
    server = GateServer.start(directory, Map.of(), clock);

    HttpResponse<String> response = send(post(asserted("/approve", CAROL)));

    assertProblem(response, 401);
    assertThat(response.body()).contains("does not accept person assertions");
  }

  @Test
  void shouldStillAskSessionPostsForTheirCsrfToken() throws Exception {
    Client browser = new Client(server.url());
    browser.login("carol", GateServer.PASSWORD, "");

    HttpResponse<String> response = browser.postRaw("/approve", "", "Origin", server.url());

    assertThat(response.statusCode()).isEqualTo(403);
  }

  private String secretText() throws Exception {
    return java.nio.file.Files.readString(secretFile, StandardCharsets.UTF_8).strip();
  }

  private static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }
}
