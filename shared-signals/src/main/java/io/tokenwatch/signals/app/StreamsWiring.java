package io.tokenwatch.signals.app;

import io.javalin.router.JavalinDefaultRoutingApi;
import io.micrometer.core.instrument.MeterRegistry;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.signals.EndpointRules;
import io.tokenwatch.signals.EventOutbox;
import io.tokenwatch.signals.http.ReceiverAuthentication;
import io.tokenwatch.signals.http.StreamManagementApi;
import io.tokenwatch.signals.http.TransmitterMetadata;
import io.tokenwatch.signals.kafka.KafkaStreamRegistry;
import io.tokenwatch.signals.stream.StreamManager;
import io.tokenwatch.validator.TokenValidator;
import io.tokenwatch.validator.kafka.FeedFollowingValidators;
import io.tokenwatch.validator.kafka.RevocationFeed;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * The transmitter's stream part, assembled: receivers' token checks (a validator following the
 * revocation feed, keys from the issuer's JWKS), the stream registry on its topic, the stream rules
 * and the HTTP routes of the metadata and the stream management API.
 */
final class StreamsWiring {

  private final KafkaStreamRegistry registry;
  private final ReceiverAuthentication receivers;
  private final TransmitterMetadata metadata;
  private final StreamManagementApi api;
  private final EndpointRules endpoints;
  private final RevocationFeed feed;

  private StreamsWiring(
      KafkaStreamRegistry registry,
      ReceiverAuthentication receivers,
      TransmitterMetadata metadata,
      StreamManagementApi api,
      EndpointRules endpoints,
      RevocationFeed feed) {
    this.feed = feed;
    this.registry = registry;
    this.receivers = receivers;
    this.metadata = metadata;
    this.api = api;
    this.endpoints = endpoints;
  }

  /**
   * Starts the registry and the revocation feed (pushed onto {@code resources} for closing) and
   * builds the routes.
   *
   * @param baseUrl the service's base URL as receivers reach it, read once the server listens
   */
  static StreamsWiring start(
      SharedSignalsConfig config,
      Map<String, Object> kafka,
      SchemaRegistryClient schemas,
      MeterRegistry meters,
      EventOutbox outbox,
      Supplier<String> baseUrl,
      Deque<AutoCloseable> resources) {
    Clock clock = Clock.systemUTC();
    StreamSettings.Values settings = StreamSettings.of(config.values());

    Map<String, Object> feedConfig = new HashMap<>(kafka);
    feedConfig.put(ConsumerConfig.CLIENT_ID_CONFIG, "tokenwatch-ssf-receiver-tokens-feed");
    RevocationFeed feed =
        FeedFollowingValidators.startFeed(feedConfig, schemas, config.serdeConfig(), clock);
    resources.push(feed);
    feed.bindTo(meters);
    TokenValidator validator =
        FeedFollowingValidators.builder(
                config.issuer(),
                config.audience(),
                URI.create(config.jwksUrl()),
                Duration.ofSeconds(10),
                Duration.ofMinutes(10),
                feed,
                clock)
            .signatureCacheSize(1_000)
            .build();
    ReceiverAuthentication receivers =
        new ReceiverAuthentication(validator, config.publicUrl().orElse(null));

    KafkaStreamRegistry registry =
        new KafkaStreamRegistry(kafka, Topics.SIGNAL_STREAMS.name(), Duration.ofSeconds(30));
    resources.push(registry);
    registry.bindTo(meters);

    SecureRandom random = new SecureRandom();
    Supplier<String> ids =
        () -> {
          byte[] bytes = new byte[16];
          random.nextBytes(bytes);
          return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        };
    EndpointRules endpoints =
        new EndpointRules(
            settings.requireHttps(),
            settings.allowPrivateEndpoints(),
            EndpointRules.Resolver.system());
    StreamManager streams =
        new StreamManager(
            registry,
            outbox,
            endpoints,
            settings.limits(),
            config.issuer(),
            id -> URI.create(baseUrl.get() + StreamManagementApi.POLL_PREFIX + id),
            ids,
            clock);
    TransmitterMetadata metadata =
        new TransmitterMetadata(
            config.issuer(), config.jwksUrl(), settings.limits().defaultSubjects(), baseUrl);
    StreamManagementApi api =
        new StreamManagementApi(
            streams,
            receivers,
            () -> registry.isReady() && registry.isHealthy(),
            settings.maxRequestBytes());
    api.bindTo(meters);
    return new StreamsWiring(registry, receivers, metadata, api, endpoints, feed);
  }

  /**
   * Whether the streams are read and receivers' tokens can be checked (the revocation feed has
   * caught up): until then stream management and polling answer 503.
   */
  boolean isReady() {
    return registry.isReady() && feed.isReady();
  }

  /** Adds the metadata and stream management routes. */
  void addRoutes(JavalinDefaultRoutingApi routes) {
    metadata.addRoutes(routes);
    api.addRoutes(routes);
  }

  /** The stream registry, for the parts that deliver to streams. */
  KafkaStreamRegistry registry() {
    return registry;
  }

  /** The push endpoint rules as configured, for push delivery's check before each connection. */
  EndpointRules endpoints() {
    return endpoints;
  }

  /** Receivers' token checks, for the poll endpoint (scope {@code ssf:poll}). */
  ReceiverAuthentication receivers() {
    return receivers;
  }
}
