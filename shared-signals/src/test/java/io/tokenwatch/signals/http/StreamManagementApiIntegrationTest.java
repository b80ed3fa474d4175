package io.tokenwatch.signals.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.javalin.Javalin;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwatch.keys.SigningAlgorithm;
import io.tokenwatch.keys.SigningKey;
import io.tokenwatch.keys.SigningKeys;
import io.tokenwatch.schemas.http.ErrorFormat;
import io.tokenwatch.schemas.http.JsonErrors;
import io.tokenwatch.signals.EndpointRules;
import io.tokenwatch.signals.EventOutbox;
import io.tokenwatch.signals.EventType;
import io.tokenwatch.signals.SecurityEvent;
import io.tokenwatch.signals.SignalStream;
import io.tokenwatch.signals.StreamStatus;
import io.tokenwatch.signals.SubjectId;
import io.tokenwatch.signals.kafka.KafkaStreamRegistry;
import io.tokenwatch.signals.stream.DefaultSubjects;
import io.tokenwatch.signals.stream.StreamLimits;
import io.tokenwatch.signals.stream.StreamManager;
import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import io.tokenwatch.testing.fixtures.MutableClock;
import io.tokenwatch.validator.JwksSource;
import io.tokenwatch.validator.RevocationIndex;
import io.tokenwatch.validator.TokenValidator;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The stream management API over real HTTP, with the stream registry on a real broker: receivers'
 * tokens are signed in the test with an issuer key and checked by the validator library.
 */
@KafkaIntegrationTest
class StreamManagementApiIntegrationTest {

  private static final String ISSUER = "https://issuer.test";
  private static final String AUDIENCE = "urn:tokenwatch:ssf";
  private static final String PUSH = "urn:ietf:rfc:8935";
  private static final String POLL = "urn:ietf:rfc:8936";
  private static final String REVOKED = EventType.SESSION_REVOKED.uri();
  private static final String CLAIMS = EventType.TOKEN_CLAIMS_CHANGE.uri();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final AtomicInteger CLIENTS = new AtomicInteger();

  private static MutableClock tokenClock;
  private static final MutableClock STREAM_CLOCK =
      new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private static final List<Sent> SENT = new ArrayList<>();
  private static final SimpleMeterRegistry METERS = new SimpleMeterRegistry();
  private static final Set<String> FAILING_STREAMS = ConcurrentHashMap.newKeySet();

  private static Path keysDir;
  private static SigningKey key;
  private static KafkaStreamRegistry registry;
  private static Javalin server;
  private static String base;

  private record Sent(SignalStream stream, SecurityEvent event) {}

  @BeforeAll
  static void start(TestCluster cluster) throws Exception {
    tokenClock = new MutableClock(Instant.now());
    keysDir = Files.createTempDirectory("ssf-api-keys");
    SigningKeys keys = SigningKeys.open(keysDir, SigningAlgorithm.EDDSA, tokenClock);
    key = keys.current();
    RevocationIndex revocations = new RevocationIndex();
    revocations.markCaughtUp(tokenClock.millis());
    TokenValidator validator =
        TokenValidator.builder()
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .jwks(JwksSource.fixed(JWKSet.parse(keys.jwksJson())))
            .revocations(revocations)
            .clock(tokenClock)
            .build();

    String topic = "it-ssf-api-streams-" + UUID.randomUUID();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
      admin
          .createTopics(
              List.of(
                  new NewTopic(topic, 1, (short) 1).configs(Map.of("cleanup.policy", "compact"))))
          .all()
          .get();
    }
    registry =
        new KafkaStreamRegistry(
            Map.of("bootstrap.servers", cluster.bootstrapServers()), topic, Duration.ofSeconds(30));
    assertThat(registry.awaitReady(Duration.ofSeconds(30))).isTrue();

    EventOutbox outbox =
        (stream, event) -> {
          if (FAILING_STREAMS.contains(stream.streamId())) {
            throw new IllegalStateException("the outbox refuses this stream");
          }
          synchronized (SENT) {
            SENT.add(new Sent(stream, event));
          }
        };
    EndpointRules endpoints =
        new EndpointRules(
            true,
            false,
            host -> {
              String address =
                  switch (host) {
                    case "receiver.example.com" -> "93.184.216.34";
                    case "other.example.com" -> "198.51.100.7";
                    case "internal.example.com" -> "10.1.2.3";
                    case "metadata.example.com" -> "169.254.169.254";
                    default -> throw new UnknownHostException(host);
                  };
              return List.of(InetAddress.getByName(address));
            });
    AtomicInteger port = new AtomicInteger();
    StreamManager streams =
        new StreamManager(
            registry,
            outbox,
            endpoints,
            new StreamLimits(DefaultSubjects.NONE, 3, 3, Duration.ofSeconds(60)),
            ISSUER,
            id -> URI.create("http://127.0.0.1:" + port.get() + "/ssf/poll/" + id),
            () -> UUID.randomUUID().toString(),
            STREAM_CLOCK);
    TransmitterMetadata metadata =
        new TransmitterMetadata(
            ISSUER,
            ISSUER + "/.well-known/jwks.json",
            DefaultSubjects.NONE,
            () -> "http://127.0.0.1:" + port.get());
    StreamManagementApi api =
        new StreamManagementApi(
            streams, new ReceiverAuthentication(validator), registry::isReady, 64 * 1024);
    api.bindTo(METERS);
    server =
        Javalin.create(
            config -> {
              config.startup.showJavalinBanner = false;
              config.jetty.host = "127.0.0.1";
              config.jetty.port = 0;
              JsonErrors.install(config, ErrorFormat.PROBLEM);
              metadata.addRoutes(config.routes);
              api.addRoutes(config.routes);
            });
    server.start();
    port.set(server.port());
    base = "http://127.0.0.1:" + server.port();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.stop();
    }
    if (registry != null) {
      registry.close();
    }
  }

  // --- metadata -----------------------------------------------------------------------------

  @Test
  void shouldServeTheTransmitterMetadataWithoutAToken() throws Exception {
    HttpResponse<String> response = call("GET", "/.well-known/ssf-configuration", null, null);

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode json = JSON.readTree(response.body());
    assertThat(json.path("spec_version").asText()).isEqualTo("1_0");
    assertThat(json.path("issuer").asText()).isEqualTo(ISSUER);
    assertThat(json.path("jwks_uri").asText()).isEqualTo(ISSUER + "/.well-known/jwks.json");
    assertThat(json.path("delivery_methods_supported"))
        .extracting(JsonNode::asText)
        .containsExactly(PUSH, POLL);
    assertThat(json.path("configuration_endpoint").asText()).isEqualTo(base + "/ssf/streams");
    assertThat(json.path("status_endpoint").asText()).isEqualTo(base + "/ssf/status");
    assertThat(json.path("add_subject_endpoint").asText()).isEqualTo(base + "/ssf/subjects:add");
    assertThat(json.path("remove_subject_endpoint").asText())
        .isEqualTo(base + "/ssf/subjects:remove");
    assertThat(json.path("verification_endpoint").asText()).isEqualTo(base + "/ssf/verify");
    assertThat(json.path("authorization_schemes").get(0).path("spec_urn").asText())
        .isEqualTo("urn:ietf:rfc:6749");
    assertThat(json.path("default_subjects").asText()).isEqualTo("NONE");
  }

  // --- round trips --------------------------------------------------------------------------

  @Test
  void shouldCreateReadUpdateReplaceAndDeleteAPushStream() throws Exception {
    String client = newClient();
    HttpResponse<String> created =
        call(
            "POST",
            "/ssf/streams",
            manage(client),
            """
            {"delivery": {"method": "urn:ietf:rfc:8935",
                          "endpoint_url": "https://receiver.example.com/events",
                          "authorization_header": "Bearer receiver-secret"},
             "events_requested": ["%s", "https://example.com/unknown-event"],
             "description": "first"}
            """
                .formatted(REVOKED));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    assertThat(created.body()).doesNotContain("receiver-secret").doesNotContain("authorization");
    JsonNode stream = JSON.readTree(created.body());
    String id = stream.path("stream_id").asText();
    assertThat(id).isNotBlank();
    assertThat(stream.path("iss").asText()).isEqualTo(ISSUER);
    assertThat(stream.path("aud").asText()).isEqualTo(client);
    assertThat(stream.path("delivery").path("method").asText()).isEqualTo(PUSH);
    assertThat(stream.path("delivery").path("endpoint_url").asText())
        .isEqualTo("https://receiver.example.com/events");
    assertThat(stream.path("events_requested")).extracting(JsonNode::asText).containsOnly(REVOKED);
    assertThat(stream.path("events_delivered")).extracting(JsonNode::asText).containsOnly(REVOKED);
    assertThat(stream.path("events_supported"))
        .extracting(JsonNode::asText)
        .contains(REVOKED, CLAIMS)
        .doesNotContain(EventType.VERIFICATION.uri());
    assertThat(stream.path("description").asText()).isEqualTo("first");
    assertThat(stream.path("min_verification_interval").asLong()).isEqualTo(60);
    assertThat(registry.get(id).orElseThrow().authorizationHeader())
        .isEqualTo("Bearer receiver-secret");

    HttpResponse<String> read = call("GET", "/ssf/streams?stream_id=" + id, read(client), null);
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(read.body())).isEqualTo(stream);
    HttpResponse<String> list = call("GET", "/ssf/streams", read(client), null);
    assertThat(JSON.readTree(list.body())).containsExactly(stream);

    HttpResponse<String> patched =
        call(
            "PATCH",
            "/ssf/streams",
            manage(client),
            "{\"stream_id\": \"" + id + "\", \"description\": \"second\"}");
    assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
    JsonNode afterPatch = JSON.readTree(patched.body());
    assertThat(afterPatch.path("description").asText()).isEqualTo("second");
    assertThat(afterPatch.path("events_requested"))
        .extracting(JsonNode::asText)
        .containsOnly(REVOKED);
    assertThat(registry.get(id).orElseThrow().authorizationHeader())
        .isEqualTo("Bearer receiver-secret");

    HttpResponse<String> replaced =
        call(
            "PUT",
            "/ssf/streams",
            manage(client),
            """
            {"stream_id": "%s", "iss": "%s", "aud": "%s",
             "delivery": {"method": "urn:ietf:rfc:8935",
                          "endpoint_url": "https://other.example.com/ssf"},
             "events_requested": ["%s"],
             "events_supported": [], "events_delivered": [], "min_verification_interval": 1}
            """
                .formatted(id, ISSUER, client, CLAIMS));
    assertThat(replaced.statusCode()).as(replaced.body()).isEqualTo(200);
    JsonNode afterPut = JSON.readTree(replaced.body());
    assertThat(afterPut.path("delivery").path("endpoint_url").asText())
        .isEqualTo("https://other.example.com/ssf");
    assertThat(afterPut.path("events_delivered")).extracting(JsonNode::asText).containsOnly(CLAIMS);
    assertThat(afterPut.path("description").asText()).isEmpty();
    assertThat(registry.get(id).orElseThrow().authorizationHeader()).isNull();

    HttpResponse<String> deleted =
        call("DELETE", "/ssf/streams?stream_id=" + id, manage(client), null);
    assertThat(deleted.statusCode()).isEqualTo(204);
    assertThat(call("GET", "/ssf/streams?stream_id=" + id, read(client), null).statusCode())
        .isEqualTo(404);
    assertThat(registry.get(id)).isEmpty();
    assertThat(JSON.readTree(call("GET", "/ssf/streams", read(client), null).body())).isEmpty();
  }

  @Test
  void shouldAssignThePollEndpointOfAPollStreamAndKeepItsMethod() throws Exception {
    String client = newClient();
    JsonNode stream = create(client, "{\"delivery\": {\"method\": \"" + POLL + "\"}}");
    String id = stream.path("stream_id").asText();
    assertThat(stream.path("delivery").path("endpoint_url").asText())
        .isEqualTo(base + "/ssf/poll/" + id);

    HttpResponse<String> toPush =
        call(
            "PATCH",
            "/ssf/streams",
            manage(client),
            """
            {"stream_id": "%s", "delivery": {"method": "%s",
             "endpoint_url": "https://receiver.example.com/events"}}
            """
                .formatted(id, PUSH));
    assertProblem(toPush, 400);
    assertThat(toPush.body()).contains("delete the stream");

    HttpResponse<String> ownPollUrl =
        call(
            "POST",
            "/ssf/streams",
            manage(client),
            "{\"delivery\": {\"method\": \""
                + POLL
                + "\", \"endpoint_url\": \"https://receiver.example.com/poll\"}}");
    assertProblem(ownPollUrl, 400);
  }

  @Test
  void shouldChangeTheStatusAndSendAStreamUpdatedEvent() throws Exception {
    String client = newClient();
    String id = create(client, pushStream()).path("stream_id").asText();
    HttpResponse<String> initial = call("GET", "/ssf/status?stream_id=" + id, read(client), null);
    assertThat(JSON.readTree(initial.body()))
        .isEqualTo(JSON.readTree("{\"stream_id\": \"" + id + "\", \"status\": \"enabled\"}"));

    HttpResponse<String> paused =
        call(
            "POST",
            "/ssf/status",
            manage(client),
            "{\"stream_id\": \"" + id + "\", \"status\": \"paused\", \"reason\": \"maintenance\"}");

    assertThat(paused.statusCode()).as(paused.body()).isEqualTo(200);
    assertThat(JSON.readTree(paused.body()))
        .isEqualTo(
            JSON.readTree(
                "{\"stream_id\": \""
                    + id
                    + "\", \"status\": \"paused\", \"reason\": \"maintenance\"}"));
    assertThat(
            JSON.readTree(call("GET", "/ssf/status?stream_id=" + id, read(client), null).body())
                .path("status")
                .asText())
        .isEqualTo("paused");
    List<Sent> events = sentTo(id);
    assertThat(events).hasSize(1);
    SecurityEvent event = events.get(0).event();
    assertThat(event.type()).isEqualTo(EventType.STREAM_UPDATED);
    assertThat(event.subject()).isEqualTo(new SubjectId.Opaque(id));
    assertThat(event.members())
        .containsEntry("status", "paused")
        .containsEntry("reason", "maintenance");
  }

  @Test
  void shouldKeepTheStatusWhenItsStreamUpdatedEventCannotBeQueued() throws Exception {
    String client = newClient();
    String id = create(client, pushStream()).path("stream_id").asText();
    String disable = "{\"stream_id\": \"" + id + "\", \"status\": \"disabled\"}";
    FAILING_STREAMS.add(id);

    assertProblem(call("POST", "/ssf/status", manage(client), disable), 503);
    assertThat(registry.get(id).orElseThrow().status()).isEqualTo(StreamStatus.ENABLED);
    assertProblem(
        call("POST", "/ssf/verify", manage(client), "{\"stream_id\": \"" + id + "\"}"), 503);

    FAILING_STREAMS.remove(id);
    assertThat(call("POST", "/ssf/status", manage(client), disable).statusCode()).isEqualTo(200);
    assertThat(registry.get(id).orElseThrow().status()).isEqualTo(StreamStatus.DISABLED);
    assertThat(sentTo(id)).hasSize(1);
    assertThat(
            call("POST", "/ssf/verify", manage(client), "{\"stream_id\": \"" + id + "\"}")
                .statusCode())
        .isEqualTo(204);
  }

  @Test
  void shouldRefuseAStatusThatIsNotOneOfTheThree() throws Exception {
    String client = newClient();
    String id = create(client, pushStream()).path("stream_id").asText();
    for (String status :
        List.of("\"ENABLED\"", "\"deleted\"", "\"\"", "1", "null", "[\"paused\"]")) {
      HttpResponse<String> response =
          call(
              "POST",
              "/ssf/status",
              manage(client),
              "{\"stream_id\": \"" + id + "\", \"status\": " + status + "}");
      assertProblem(response, 400);
    }
    assertThat(sentTo(id)).isEmpty();
  }

  @Test
  void shouldAddAndRemoveSubjectsWithinTheLimit() throws Exception {
    String client = newClient();
    String id = create(client, pushStream()).path("stream_id").asText();
    String alice = "{\"format\": \"email\", \"email\": \"alice@example.com\"}";

    HttpResponse<String> added = subject("add", client, id, alice, ", \"verified\": true");
    assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
    assertThat(subject("add", client, id, alice, "").statusCode()).isEqualTo(200);
    assertThat(registry.get(id).orElseThrow().subjects())
        .containsExactly(new SubjectId.Email("alice@example.com"));

    assertThat(
            subject("add", client, id, "{\"format\": \"opaque\", \"id\": \"tok-1\"}", "")
                .statusCode())
        .isEqualTo(200);
    assertThat(
            subject(
                    "add",
                    client,
                    id,
                    "{\"format\": \"iss_sub\", \"iss\": \"https://idp.example\", \"sub\": \"b\"}",
                    "")
                .statusCode())
        .isEqualTo(200);
    assertProblem(
        subject("add", client, id, "{\"format\": \"opaque\", \"id\": \"tok-2\"}", ""), 409);

    assertThat(subject("remove", client, id, alice, "").statusCode()).isEqualTo(204);
    assertProblem(subject("remove", client, id, alice, ""), 404);
    assertThat(registry.get(id).orElseThrow().subjects()).hasSize(2);

    for (String bad :
        List.of(
            "{\"format\": \"phone_number\", \"phone_number\": \"+1\"}",
            "{\"format\": \"email\", \"email\": \"no-at-sign\"}",
            "{\"format\": \"opaque\", \"id\": \"x\", \"extra\": 1}",
            "{\"format\": \"complex\", \"user\": {\"format\": \"complex\"}}",
            "\"alice@example.com\"",
            "{\"format\": \"opaque\", \"id\": 7}")) {
      assertProblem(subject("add", client, id, bad, ""), 400);
    }
    assertProblem(subject("add", client, id, alice, ", \"verified\": \"yes\""), 400);
  }

  @Test
  void shouldSendAVerificationEventWithItsStateAtMostOncePerInterval() throws Exception {
    String client = newClient();
    String id = create(client, pushStream()).path("stream_id").asText();
    String body = "{\"stream_id\": \"" + id + "\", \"state\": \"state-1\"}";

    HttpResponse<String> first = call("POST", "/ssf/verify", manage(client), body);
    assertThat(first.statusCode()).as(first.body()).isEqualTo(204);
    assertProblem(call("POST", "/ssf/verify", manage(client), body), 429);
    STREAM_CLOCK.advance(Duration.ofSeconds(61));
    assertThat(call("POST", "/ssf/verify", manage(client), body).statusCode()).isEqualTo(204);

    List<Sent> events = sentTo(id);
    assertThat(events).hasSize(2);
    assertThat(events)
        .allSatisfy(
            sent -> {
              assertThat(sent.event().type()).isEqualTo(EventType.VERIFICATION);
              assertThat(sent.event().members()).containsEntry("state", "state-1");
              assertThat(sent.event().subject()).isEqualTo(new SubjectId.Opaque(id));
            });
  }

  // --- ownership and limits -----------------------------------------------------------------

  @Test
  void shouldAnswerAnotherReceiversStreamAsNotFound() throws Exception {
    String owner = newClient();
    String intruder = newClient();
    String id = create(owner, pushStream()).path("stream_id").asText();
    String subject = "{\"format\": \"opaque\", \"id\": \"tok-1\"}";

    assertProblem(call("GET", "/ssf/streams?stream_id=" + id, read(intruder), null), 404);
    assertThat(JSON.readTree(call("GET", "/ssf/streams", read(intruder), null).body())).isEmpty();
    assertProblem(
        call(
            "PATCH",
            "/ssf/streams",
            manage(intruder),
            "{\"stream_id\": \"" + id + "\", \"description\": \"mine\"}"),
        404);
    assertProblem(
        call(
            "PUT",
            "/ssf/streams",
            manage(intruder),
            "{\"stream_id\": \"" + id + "\", \"delivery\": {\"method\": \"" + POLL + "\"}}"),
        404);
    assertProblem(call("DELETE", "/ssf/streams?stream_id=" + id, manage(intruder), null), 404);
    assertProblem(call("GET", "/ssf/status?stream_id=" + id, read(intruder), null), 404);
    assertProblem(
        call(
            "POST",
            "/ssf/status",
            manage(intruder),
            "{\"stream_id\": \"" + id + "\", \"status\": \"disabled\"}"),
        404);
    assertProblem(subject("add", intruder, id, subject, ""), 404);
    assertProblem(subject("remove", intruder, id, subject, ""), 404);
    assertProblem(
        call("POST", "/ssf/verify", manage(intruder), "{\"stream_id\": \"" + id + "\"}"), 404);
    assertProblem(
        call("GET", "/ssf/streams?stream_id=" + UUID.randomUUID(), read(owner), null), 404);

    SignalStream unchanged = registry.get(id).orElseThrow();
    assertThat(unchanged.description()).isEqualTo("push");
    assertThat(unchanged.subjects()).isEmpty();
    assertThat(sentTo(id)).isEmpty();
  }

  @Test
  void shouldRefuseMoreStreamsThanAllowedPerReceiver() throws Exception {
    String client = newClient();
    for (int i = 0; i < 3; i++) {
      create(client, pushStream());
    }
    assertProblem(call("POST", "/ssf/streams", manage(client), pushStream()), 409);
    assertThat(JSON.readTree(call("GET", "/ssf/streams", read(client), null).body())).hasSize(3);
    create(newClient(), pushStream());
  }

  // --- hostile input ------------------------------------------------------------------------

  @Test
  void shouldRefuseBadPushEndpoints() throws Exception {
    String client = newClient();
    for (String url :
        List.of(
            "http://receiver.example.com/events",
            "https://internal.example.com/events",
            "https://metadata.example.com/latest",
            "https://127.0.0.1/events",
            "https://2130706433/events",
            "https://0x7f.1/events",
            "https://localhost./events",
            "https://receiver.example.com./events",
            "https://[::1]/events",
            "https://[fd00::1]/events",
            "https://[fe80::1]/events",
            "https://[::ffff:10.0.0.1]/events",
            "https://169.254.169.254/",
            "https://224.0.0.1/",
            "https://0.0.0.0/",
            "https://user:pw@receiver.example.com/events",
            "https://receiver.example.com/events#frag",
            "/events",
            "ftp://receiver.example.com/events",
            "https://unresolvable.example.com/events",
            "not a url")) {
      HttpResponse<String> response =
          call(
              "POST",
              "/ssf/streams",
              manage(client),
              "{\"delivery\": {\"method\": \"" + PUSH + "\", \"endpoint_url\": \"" + url + "\"}}");
      assertThat(response.statusCode()).as(url).isEqualTo(400);
      assertProblem(response, 400);
    }
    assertThat(JSON.readTree(call("GET", "/ssf/streams", read(client), null).body())).isEmpty();
  }

  @Test
  void shouldRefuseMalformedAndAmbiguousBodies() throws Exception {
    String client = newClient();
    String push =
        "{\"method\": \"" + PUSH + "\", \"endpoint_url\": \"https://receiver.example.com/e\"}";
    for (String body :
        List.of(
            "not json",
            "[]",
            "\"a string\"",
            "{\"delivery\": " + push + "} trailing",
            "{\"delivery\": " + push + ", \"delivery\": {\"method\": \"" + POLL + "\"}}",
            "{\"delivery\": " + push + ", \"unknown_member\": 1}",
            "{\"delivery\": " + push + ", \"stream_id\": \"chosen\"}",
            "{\"delivery\": " + push + ", \"iss\": \"https://someone-else.example\"}",
            "{\"delivery\": " + push + ", \"aud\": \"another-client\"}",
            "{\"delivery\": " + push + ", \"aud\": [\"" + client + "\", \"another\"]}",
            "{\"delivery\": " + push + ", \"events_requested\": \"" + REVOKED + "\"}",
            "{\"delivery\": " + push + ", \"events_requested\": [1]}",
            "{\"delivery\": " + push + ", \"events_requested\": [\"not a uri\"]}",
            "{\"delivery\": " + push + ", \"description\": 5}",
            "{\"delivery\": {\"method\": \"urn:example:carrier-pigeon\"}}",
            "{\"delivery\": {\"method\": \"" + PUSH + "\"}}",
            "{\"delivery\": {\"method\": \"" + PUSH + "\", \"endpoint_url\": 5}}",
            "{\"delivery\": {\"method\": \""
                + PUSH
                + "\", \"endpoint_url\": \"https://receiver.example.com/e\","
                + " \"authorization_header\": \"Bearer a\\r\\nX-Injected: 1\"}}",
            "{\"delivery\": {\"method\": \"" + PUSH + "\", \"extra\": true}}",
            "{\"delivery\": null}",
            "{\"description\": \"no delivery\"}",
            "{\"delivery\": " + push + ", \"description\": \"" + "d".repeat(2000) + "\"}")) {
      assertProblem(call("POST", "/ssf/streams", manage(client), body), 400);
    }
    assertThat(JSON.readTree(call("GET", "/ssf/streams", read(client), null).body())).isEmpty();

    String own = "{\"delivery\": " + push + ", \"aud\": [\"" + client + "\"]}";
    assertThat(call("POST", "/ssf/streams", manage(client), own).statusCode()).isEqualTo(201);
  }

  @Test
  void shouldRefuseATooLargeBodyAndOneThatIsNotJson() throws Exception {
    String client = newClient();
    String large =
        "{\"delivery\": {\"method\": \""
            + POLL
            + "\"}, \"description\": \""
            + "x".repeat(70 * 1024)
            + "\"}";
    assertProblem(call("POST", "/ssf/streams", manage(client), large), 413);
    HttpResponse<String> form =
        send(
            HttpRequest.newBuilder(URI.create(base + "/ssf/streams"))
                .header("Authorization", "Bearer " + manage(client))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("delivery=x")));
    assertProblem(form, 415);
    assertProblem(call("GET", "/ssf/streams?stream_id=a&stream_id=b", read(client), null), 400);
    assertProblem(call("DELETE", "/ssf/streams", manage(client), null), 400);
  }

  // --- authentication -----------------------------------------------------------------------

  @Test
  void shouldRefuseCallsWithoutAValidTokenForTheRightScope() throws Exception {
    String client = newClient();
    Instant now = tokenClock.instant();

    HttpResponse<String> none = call("GET", "/ssf/streams", null, null);
    assertProblem(none, 401);
    assertThat(none.headers().firstValue("WWW-Authenticate").orElseThrow())
        .startsWith("Bearer ")
        .contains("scope=\"ssf:read\"")
        .doesNotContain("error=");

    HttpResponse<String> wrongAudience =
        call("GET", "/ssf/streams", token(client, "ssf:read", "another-api", now, 600), null);
    assertProblem(wrongAudience, 401);
    assertThat(wrongAudience.headers().firstValue("WWW-Authenticate").orElseThrow())
        .contains("error=\"invalid_token\"");

    HttpResponse<String> expired =
        call(
            "GET",
            "/ssf/streams",
            token(client, "ssf:read", AUDIENCE, now.minusSeconds(7200), 600),
            null);
    assertProblem(expired, 401);

    HttpResponse<String> readOnly =
        call("POST", "/ssf/streams", token(client, "ssf:read", AUDIENCE, now, 600), pushStream());
    assertProblem(readOnly, 403);
    assertThat(readOnly.headers().firstValue("WWW-Authenticate").orElseThrow())
        .contains("error=\"insufficient_scope\"")
        .contains("scope=\"ssf:manage\"");

    HttpResponse<String> manageOnly =
        call("GET", "/ssf/streams", token(client, "ssf:manage", AUDIENCE, now, 600), null);
    assertProblem(manageOnly, 403);

    HttpResponse<String> garbage = call("GET", "/ssf/streams", "not.a.token", null);
    assertProblem(garbage, 401);

    HttpResponse<String> basic =
        send(
            HttpRequest.newBuilder(URI.create(base + "/ssf/streams"))
                .header("Authorization", "Basic dXNlcjpwYXNz")
                .GET());
    assertProblem(basic, 401);
    assertThat(JSON.readTree(call("GET", "/ssf/streams", read(client), null).body())).isEmpty();
  }

  @Test
  void shouldCountEveryCallByOperationAndStatus() throws Exception {
    double before = count("GET /ssf/status", "404");
    double unauthenticated = count("GET /ssf/status", "401");

    call("GET", "/ssf/status?stream_id=" + UUID.randomUUID(), read(newClient()), null);
    call("GET", "/ssf/status?stream_id=x", null, null);

    assertThat(count("GET /ssf/status", "404")).isEqualTo(before + 1);
    assertThat(count("GET /ssf/status", "401")).isEqualTo(unauthenticated + 1);
  }

  private static double count(String operation, String status) {
    Counter counter =
        METERS
            .find("tokenwatch.signals.stream-requests")
            .tags("operation", operation, "status", status)
            .counter();
    return counter == null ? 0 : counter.count();
  }

  // --- helpers ------------------------------------------------------------------------------

  private static String newClient() {
    return "receiver-" + CLIENTS.incrementAndGet() + "-" + UUID.randomUUID();
  }

  private static String pushStream() {
    return """
        {"delivery": {"method": "urn:ietf:rfc:8935",
                      "endpoint_url": "https://receiver.example.com/events"},
         "events_requested": ["%s"], "description": "push"}
        """
        .formatted(REVOKED);
  }

  private JsonNode create(String client, String body) throws Exception {
    HttpResponse<String> response = call("POST", "/ssf/streams", manage(client), body);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return JSON.readTree(response.body());
  }

  private HttpResponse<String> subject(
      String action, String client, String id, String subject, String extra) throws Exception {
    return call(
        "POST",
        "/ssf/subjects:" + action,
        manage(client),
        "{\"stream_id\": \"" + id + "\", \"subject\": " + subject + extra + "}");
  }

  private static List<Sent> sentTo(String streamId) {
    synchronized (SENT) {
      return SENT.stream().filter(sent -> sent.stream().streamId().equals(streamId)).toList();
    }
  }

  private static String read(String client) {
    return token(client, "ssf:read", AUDIENCE, tokenClock.instant(), 600);
  }

  private static String manage(String client) {
    return token(client, "ssf:manage", AUDIENCE, tokenClock.instant(), 600);
  }

  private static String token(
      String client, String scope, String audience, Instant issuedAt, long lifetimeSeconds) {
    try {
      JWTClaimsSet claims =
          new JWTClaimsSet.Builder()
              .issuer(ISSUER)
              .subject("service-" + client)
              .audience(audience)
              .issueTime(Date.from(issuedAt))
              .notBeforeTime(Date.from(issuedAt))
              .expirationTime(Date.from(issuedAt.plusSeconds(lifetimeSeconds)))
              .jwtID(UUID.randomUUID().toString())
              .claim("client_id", client)
              .claim("scope", scope)
              .build();
      SignedJWT jwt =
          new SignedJWT(
              new JWSHeader.Builder(key.algorithm().jws())
                  .type(new JOSEObjectType("at+jwt"))
                  .keyID(key.kid())
                  .build(),
              claims);
      jwt.sign(key.signer());
      return jwt.serialize();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static HttpResponse<String> call(
      String method, String path, @Nullable String token, @Nullable String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      request.header("Content-Type", "application/json");
      request.method(method, HttpRequest.BodyPublishers.ofString(body));
    } else {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return send(request);
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return HTTP.send(
        request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void assertProblem(HttpResponse<String> response, int status) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/problem+json");
    JsonNode problem = JSON.readTree(response.body());
    assertThat(problem.path("status").asInt()).isEqualTo(status);
    assertThat(problem.path("detail").asText()).isNotBlank();
  }
}
