package io.tokenwatch.signals.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwatch.schemas.http.ErrorFormat;
import io.tokenwatch.schemas.http.JsonErrors;
import io.tokenwatch.signals.DeliveryMethod;
import io.tokenwatch.signals.PollDelivery;
import io.tokenwatch.signals.PollQueue;
import io.tokenwatch.signals.PollSet;
import io.tokenwatch.signals.PollState;
import io.tokenwatch.signals.PollStates;
import io.tokenwatch.signals.SignalStream;
import io.tokenwatch.signals.StreamRegistry;
import io.tokenwatch.signals.StreamStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Hostile poll bodies through real HTTP: never a 5xx, always a problem body naming the status when
 * refused, and a refused body never acknowledges anything. The queue and state are in memory (the
 * Kafka adapters are tested on the broker).
 */
class PollEndpointHostileInputPropertiesTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final List<PollSet> QUEUE =
      List.of(new PollSet(0, "a", "h.a.s"), new PollSet(3, "b", "h.b.s"));
  private static final Map<String, PollState> STATES = new ConcurrentHashMap<>();
  private static Javalin server;

  @BeforeContainer
  static void start() {
    Instant now = Instant.EPOCH;
    SignalStream stream =
        new SignalStream(
            "s1",
            "rp",
            "rp",
            DeliveryMethod.POLL,
            URI.create("https://transmitter.example/ssf/poll/s1"),
            null,
            Set.of(),
            StreamStatus.ENABLED,
            null,
            "",
            Set.of(),
            now,
            now);
    StreamRegistry streams =
        new StreamRegistry() {
          @Override
          public Optional<SignalStream> get(String streamId) {
            return streamId.equals("s1") ? Optional.of(stream) : Optional.empty();
          }

          @Override
          public Collection<SignalStream> all() {
            return List.of(stream);
          }

          @Override
          public void put(SignalStream ignored) {
            throw new UnsupportedOperationException();
          }

          @Override
          public void delete(String streamId) {
            throw new UnsupportedOperationException();
          }
        };
    PollQueue queue =
        new PollQueue() {
          @Override
          public Scan scan(String streamId, long from, int limit) {
            List<PollSet> sets = new ArrayList<>();
            for (PollSet set : QUEUE) {
              if (set.offset() >= from && sets.size() < limit) {
                sets.add(set);
              }
            }
            return new Scan(sets, Math.max(from, 4), true);
          }

          @Override
          public boolean awaitArrival(String streamId, long from, Duration timeout) {
            return false;
          }
        };
    PollStates states =
        new PollStates() {
          @Override
          public PollState load(String streamId) {
            return STATES.getOrDefault(streamId, PollState.INITIAL);
          }

          @Override
          public PollState commit(String streamId, PollState state) {
            return STATES.merge(streamId, state, PollState::merge);
          }
        };
    PollDelivery delivery =
        new PollDelivery(
            streams,
            queue,
            states,
            (stream1, errors) -> {},
            new PollDelivery.Settings(5, Duration.ZERO, 0),
            new SimpleMeterRegistry(),
            java.time.Clock.systemUTC());
    PollEndpoint endpoint =
        new PollEndpoint(delivery, ctx -> Optional.of("rp"), new PollEndpoint.Limits(512, 4, 5));
    server =
        Javalin.create(
            config -> {
              config.startup.showJavalinBanner = false;
              config.jetty.host = "localhost";
              config.jetty.port = 0;
              JsonErrors.install(config, ErrorFormat.PROBLEM);
              endpoint.configure(config);
            });
    server.start();
  }

  @AfterContainer
  static void stop() {
    server.stop();
  }

  @Property(tries = 200)
  void shouldRefuseHostileBodiesCleanlyAndChangeNothing(@ForAll("bodies") String body)
      throws Exception {
    STATES.clear();
    HttpResponse<String> answer =
        HTTP.send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + "/ssf/poll/s1"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(body).isIn(200, 400, 413);
    JsonNode json = JSON.readTree(answer.body());
    if (answer.statusCode() == 200) {
      assertThat(json.path("sets").isObject()).isTrue();
      assertThat(json.path("moreAvailable").isBoolean()).isTrue();
    } else {
      assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/problem+json");
      assertThat(json.path("status").asInt()).isEqualTo(answer.statusCode());
      assertThat(json.path("err").asText()).isEqualTo("invalid_request");
      assertThat(STATES).as("a refused poll acknowledges nothing").isEmpty();
    }
  }

  @Provide
  Arbitrary<String> bodies() {
    Arbitrary<String> value =
        Arbitraries.of(
            "null",
            "true",
            "-1",
            "0",
            "5",
            "6",
            "1e3",
            "2147483648",
            "\"a\"",
            "\"\"",
            "[]",
            "[\"a\"]",
            "[\"a\",\"a\"]",
            "[\"a\",1]",
            "{}",
            "{\"a\":{\"err\":\"invalid_key\"}}",
            "{\"b\":{\"err\":\"\"}}",
            "{\"a\":\"x\"}",
            "[\"a\",\"b\",\"c\",\"d\",\"e\"]");
    Arbitrary<String> member =
        Arbitraries.of("ack", "setErrs", "maxEvents", "returnImmediately", "other", "ack\u0000");
    Arbitrary<String> object =
        net.jqwik.api.Combinators.combine(member, value, member, value)
            .as((k1, v1, k2, v2) -> "{\"" + k1 + "\":" + v1 + ",\"" + k2 + "\":" + v2 + "}");
    Arbitrary<String> raw =
        Arbitraries.strings().withChars("{}[]\":,0123456789abcdefnulltrue \\").ofMaxLength(40);
    Arbitrary<String> large =
        Arbitraries.integers().between(400, 2000).map(n -> "{\"ack\":[\"" + "x".repeat(n) + "\"]}");
    return Arbitraries.oneOf(object, raw, large);
  }
}
