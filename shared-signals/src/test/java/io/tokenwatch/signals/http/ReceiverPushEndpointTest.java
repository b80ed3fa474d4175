package io.tokenwatch.signals.http;

import static io.tokenwatch.signals.receiver.UpstreamSets.AUDIENCE;
import static io.tokenwatch.signals.receiver.UpstreamSets.ISSUER;
import static io.tokenwatch.signals.receiver.UpstreamSets.claims;
import static org.assertj.core.api.Assertions.assertThat;

import io.javalin.Javalin;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwatch.signals.receiver.ReceiverMetrics;
import io.tokenwatch.signals.receiver.ReceiverPolicy;
import io.tokenwatch.signals.receiver.RecordingSink;
import io.tokenwatch.signals.receiver.SeenSets;
import io.tokenwatch.signals.receiver.SetVerifier;
import io.tokenwatch.signals.receiver.SignalReceiver;
import io.tokenwatch.signals.receiver.SubjectMapping;
import io.tokenwatch.signals.receiver.TestKeys;
import io.tokenwatch.signals.receiver.UpstreamKeys;
import io.tokenwatch.signals.receiver.UpstreamSets;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The push endpoint over real HTTP: statuses, error bodies and the size limit. */
class ReceiverPushEndpointTest {

  private static final String SECRET = "the-push-secret";
  private static final UpstreamSets UPSTREAM = new UpstreamSets();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final RecordingSink sink = new RecordingSink();
  private final Javalin server;

  ReceiverPushEndpointTest() throws Exception {
    ReceiverPolicy policy =
        new ReceiverPolicy(
            ISSUER,
            AUDIENCE,
            Set.of("ES256"),
            Duration.ofHours(1),
            Duration.ofSeconds(60),
            2048,
            new SubjectMapping(Set.of(SubjectMapping.Format.ISS_SUB), ISSUER));
    Clock clock = Clock.systemUTC();
    ReceiverMetrics metrics = new ReceiverMetrics(new SimpleMeterRegistry());
    SignalReceiver receiver =
        new SignalReceiver(
            new SetVerifier(
                policy,
                new UpstreamKeys(
                    new TestKeys(UPSTREAM::jwksJson), Duration.ZERO, Duration.ofHours(1), clock)),
            new SeenSets(100, clock),
            sink,
            metrics,
            clock);
    ReceiverPushEndpoint endpoint =
        new ReceiverPushEndpoint(
            receiver,
            metrics,
            MessageDigest.getInstance("SHA-256").digest(SECRET.getBytes(StandardCharsets.UTF_8)),
            2048);
    server =
        Javalin.create(
                config -> {
                  config.startup.showJavalinBanner = false;
                  config.jetty.host = "localhost";
                  config.jetty.port = 0;
                  endpoint.routes(config.routes);
                })
            .start();
  }

  @AfterEach
  void stop() {
    server.stop();
  }

  private HttpResponse<String> post(String body, Map<String, String> headers) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(
                URI.create("http://localhost:" + server.port() + ReceiverPushEndpoint.PATH))
            .POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(request::header);
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> push(String set) throws Exception {
    return post(
        set,
        Map.of("Content-Type", "application/secevent+jwt", "Authorization", "Bearer " + SECRET));
  }

  @Test
  void shouldAnswer202OnlyOnceTheRequestIsWritten() throws Exception {
    assertThat(push(UPSTREAM.sign(claims("alice", Instant.now()))).statusCode()).isEqualTo(202);
    assertThat(sink.orders).hasSize(1);
  }

  @Test
  void shouldAnswer503WhenTheRequestCannotBeWrittenSoTheUpstreamRetries() throws Exception {
    sink.down = true;
    HttpResponse<String> response = push(UPSTREAM.sign(claims("alice", Instant.now())));
    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.headers().firstValue("Retry-After")).isPresent();
    assertThat(sink.orders).isEmpty();
  }

  @Test
  void shouldAnswer401WithAChallengeWithoutTheRightSecret() throws Exception {
    String set = UPSTREAM.sign(claims("alice", Instant.now()));
    HttpResponse<String> none = post(set, Map.of("Content-Type", "application/secevent+jwt"));
    HttpResponse<String> wrong =
        post(
            set,
            Map.of("Content-Type", "application/secevent+jwt", "Authorization", "Bearer nope"));
    for (HttpResponse<String> response : java.util.List.of(none, wrong)) {
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.headers().firstValue("WWW-Authenticate"))
          .hasValueSatisfying(value -> assertThat(value).startsWith("Bearer"));
      assertThat(response.body()).contains("\"err\":\"authentication_failed\"");
    }
    assertThat(sink.orders).isEmpty();
    assertThat(sink.deadLetters).isEmpty();
  }

  @Test
  void shouldRefuseAnOversizedBodyWithoutReadingAllOfIt() throws Exception {
    HttpResponse<String> response;
    try {
      response = push("x".repeat(100_000));
    } catch (java.io.IOException closed) {
      // The endpoint answered and closed the connection without reading the rest: a client still
      // sending may see the connection end before it reads the answer.
      response = null;
    }
    if (response != null) {
      assertThat(response.statusCode()).isEqualTo(400);
      assertThat(response.body()).contains("\"err\":\"invalid_request\"", "larger than");
    }
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(sink.deadLetters)
                    .singleElement()
                    .satisfies(
                        refused -> assertThat(refused.reason().tag()).isEqualTo("oversized")));
  }

  @Test
  void shouldRefuseAnotherContentType() throws Exception {
    HttpResponse<String> response =
        post(
            UPSTREAM.sign(claims("alice", Instant.now())),
            Map.of("Content-Type", "application/jwt", "Authorization", "Bearer " + SECRET));
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("\"err\":\"invalid_request\"", "Content-Type");
    assertThat(sink.orders).isEmpty();
  }
}
