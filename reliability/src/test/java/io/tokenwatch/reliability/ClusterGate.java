package io.tokenwatch.reliability;

import io.tokenwatch.events.Revocation;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.validator.Decision;
import io.tokenwatch.validator.DenyReason;
import io.tokenwatch.validator.JwksSource;
import io.tokenwatch.validator.RevocationIndex;
import io.tokenwatch.validator.TokenRequest;
import io.tokenwatch.validator.TokenValidator;
import io.tokenwatch.validator.http.ValidatorConfig;
import io.tokenwatch.validator.http.ValidatorService;
import io.tokenwatch.validator.jwks.HttpJwksFetcher;
import io.tokenwatch.validator.kafka.RevocationFeed;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.jspecify.annotations.Nullable;

/**
 * One validator of the cluster test as the test asks it about a token: a sidecar over HTTP
 * (forward-auth, as a gateway calls it) or the embedded library ({@link TokenValidator} with its
 * own feed consumer). Thread-safe.
 */
abstract sealed class ClusterGate implements AutoCloseable {

  /** What a validator answered for a token. */
  enum Verdict {
    ALLOWED,
    REVOKED,
    /** Denied for another reason (stale feed, unknown key...). */
    DENIED_OTHERWISE,
    /**
     * No decision: the validator is stopped, or refuses every token alike because its feed is
     * loading or stale (it fails closed).
     */
    UNAVAILABLE
  }

  private final String name;

  ClusterGate(String name) {
    this.name = name;
  }

  String name() {
    return name;
  }

  abstract Verdict check(String token);

  /** The validator's answer for {@code token} in words, for a failure message. */
  abstract String explain(String token);

  /**
   * A validator sidecar in this JVM on a fixed port, so it can be restarted at the same address.
   */
  static final class Sidecar extends ClusterGate {

    private final Map<String, Object> settings;
    private final int port;
    private volatile @Nullable ValidatorService service;

    Sidecar(String name, Map<String, Object> clients, String issuerUrl) {
      super(name);
      this.port = Pipeline.freePort();
      settings = new LinkedHashMap<>(clients);
      settings.put(ValidatorConfig.ISSUER, issuerUrl);
      settings.put(ValidatorConfig.AUDIENCE, Pipeline.AUDIENCE);
      settings.put(ValidatorConfig.JWKS_URL, issuerUrl + "/.well-known/jwks.json");
      settings.put(ValidatorConfig.HTTP_HOST, "localhost");
      settings.put(ValidatorConfig.HTTP_PORT, port);
      settings.put(ValidatorConfig.HTTP_ROUTES, "GET /orders/** -> orders:read");
      settings.put(ValidatorConfig.VALIDATOR_ID, name);
      start();
    }

    void start() {
      service = ValidatorService.start(ValidatorConfig.of(settings));
    }

    /** Stops the sidecar; it answers nothing until {@link #start()}. */
    void stop() {
      ValidatorService running = service;
      service = null;
      if (running != null) {
        running.close();
      }
    }

    boolean ready() {
      ValidatorService running = service;
      return running != null && running.feed().isReady();
    }

    @Override
    Verdict check(String token) {
      if (service == null) {
        return Verdict.UNAVAILABLE;
      }
      HttpResponse<String> answer;
      try {
        answer = Pipeline.authorize("http://localhost:" + port, token);
      } catch (RuntimeException e) {
        return Verdict.UNAVAILABLE;
      }
      if (answer.statusCode() == 200) {
        return Verdict.ALLOWED;
      }
      if (answer.statusCode() == 503) {
        // Not ready to decide (its feed is loading, or stale): it refuses every token alike.
        return Verdict.UNAVAILABLE;
      }
      if (answer.statusCode() == 401
          && answer.headers().firstValue("WWW-Authenticate").orElse("").contains("revoked")) {
        return Verdict.REVOKED;
      }
      return Verdict.DENIED_OTHERWISE;
    }

    @Override
    String explain(String token) {
      try {
        HttpResponse<String> answer = Pipeline.authorize("http://localhost:" + port, token);
        return answer.statusCode()
            + " "
            + answer.headers().firstValue("WWW-Authenticate").orElse("")
            + " "
            + answer.body();
      } catch (RuntimeException e) {
        return e.toString();
      }
    }

    @Override
    public void close() {
      stop();
    }
  }

  /** The validator library embedded in an application: its own feed consumer and index. */
  static final class Library extends ClusterGate {

    private final RevocationFeed feed;
    private final TokenValidator validator;

    Library(String name, String bootstrapServers, String registryUrl, String issuerUrl) {
      super(name);
      Map<String, Object> consumer = new LinkedHashMap<>();
      consumer.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
      consumer.put(ConsumerConfig.CLIENT_ID_CONFIG, name + "-feed");
      SerdeConfig serdes = SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, registryUrl));
      feed =
          new RevocationFeed(
              consumer,
              AvroSerdes.specific(
                      Revocation.class,
                      new HttpSchemaRegistryClient(serdes.registrySettings()),
                      serdes,
                      false)
                  .deserializer(),
              Topics.REVOCATIONS.name(),
              Topics.REVOCATION_FAST_PATH.name(),
              new RevocationIndex(),
              Clock.systemUTC(),
              Duration.ofMillis(200));
      validator =
          TokenValidator.builder()
              .issuer(issuerUrl)
              .audience(Pipeline.AUDIENCE)
              .jwks(
                  JwksSource.fetching(
                      new HttpJwksFetcher(
                          URI.create(issuerUrl + "/.well-known/jwks.json"), Duration.ofSeconds(5)),
                      Duration.ofSeconds(30),
                      Duration.ofMinutes(5),
                      Clock.systemUTC()))
              .revocations(feed)
              .build();
    }

    boolean ready() {
      return feed.isReady();
    }

    @Override
    Verdict check(String token) {
      Decision decision =
          validator.validate(TokenRequest.of(token, "GET", "/orders/42", Set.of("orders:read")));
      if (decision instanceof Decision.Allow) {
        return Verdict.ALLOWED;
      }
      if (decision instanceof Decision.Deny deny && deny.reason() == DenyReason.FEED_STALE) {
        // Its feed is loading or behind its staleness budget: it refuses every token alike.
        return Verdict.UNAVAILABLE;
      }
      return decision instanceof Decision.Deny deny && deny.reason() == DenyReason.REVOKED
          ? Verdict.REVOKED
          : Verdict.DENIED_OTHERWISE;
    }

    @Override
    String explain(String token) {
      return validator
          .validate(TokenRequest.of(token, "GET", "/orders/42", Set.of("orders:read")))
          .toString();
    }

    @Override
    public void close() {
      feed.close();
    }
  }
}
