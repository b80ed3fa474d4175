package io.tokenwatch.signals.app;

import io.javalin.router.JavalinDefaultRoutingApi;
import io.micrometer.core.instrument.MeterRegistry;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.signals.http.ReceiverPushEndpoint;
import io.tokenwatch.signals.kafka.ReceiverKafkaSink;
import io.tokenwatch.signals.kafka.UpstreamPoller;
import io.tokenwatch.signals.receiver.ReceiverMetrics;
import io.tokenwatch.signals.receiver.SeenSets;
import io.tokenwatch.signals.receiver.SetVerifier;
import io.tokenwatch.signals.receiver.SignalReceiver;
import io.tokenwatch.signals.receiver.UpstreamKeys;
import io.tokenwatch.validator.jwks.HttpJwksFetcher;
import java.time.Clock;
import java.time.Duration;
import java.util.Deque;
import java.util.HexFormat;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The receiver of an upstream transmitter, assembled from {@code signals.receiver.*}: the push
 * endpoint's routes, and the poller once the service runs.
 */
final class ReceiverWiring {

  private final ReceiverPushEndpoint push;
  private final @Nullable UpstreamPoller poller;

  private ReceiverWiring(ReceiverPushEndpoint push, @Nullable UpstreamPoller poller) {
    this.push = push;
    this.poller = poller;
  }

  /**
   * The receiver, or empty when {@code signals.receiver.issuer} is not set. Its producer (and later
   * its poller) are pushed on {@code resources} to be closed with the service.
   */
  static Optional<ReceiverWiring> create(
      SharedSignalsConfig config,
      SchemaRegistryClient registry,
      MeterRegistry meters,
      Clock clock,
      Deque<AutoCloseable> resources) {
    Optional<ReceiverSettings.Receiver> found = ReceiverSettings.of(config.values());
    if (found.isEmpty()) {
      return Optional.empty();
    }
    ReceiverSettings.Receiver settings = found.get();
    ReceiverKafkaSink sink =
        new ReceiverKafkaSink(
            ReceiverKafkaSink.producer(
                ReceiverKafkaSink.producerConfig(
                    SharedSignalsApp.kafkaSettings(config), settings.produceTimeout())),
            registry,
            config.serdeConfig(),
            settings.produceTimeout());
    resources.push(sink);
    UpstreamKeys keys =
        new UpstreamKeys(
            new HttpJwksFetcher(settings.jwksUrl(), Duration.ofSeconds(10)),
            settings.jwksMinRefresh(),
            settings.jwksMaxAge(),
            clock);
    ReceiverMetrics metrics = new ReceiverMetrics(meters);
    SignalReceiver receiver =
        new SignalReceiver(
            new SetVerifier(settings.policy(), keys),
            new SeenSets(settings.replayCacheSize(), clock),
            sink,
            metrics,
            clock);
    ReceiverPushEndpoint push =
        new ReceiverPushEndpoint(
            receiver,
            metrics,
            settings.pushSecretSha256().map(hex -> HexFormat.of().parseHex(hex)).orElse(null),
            settings.policy().maxBytes());
    UpstreamPoller poller =
        settings
            .poll()
            .map(
                poll ->
                    new UpstreamPoller(
                        new UpstreamPoller.Settings(
                            poll.url(),
                            poll.authorization(),
                            poll.maxEvents(),
                            poll.returnImmediately(),
                            poll.interval(),
                            poll.timeout()),
                        receiver,
                        meters))
            .orElse(null);
    return Optional.of(new ReceiverWiring(push, poller));
  }

  /** Adds the push endpoint. */
  void routes(JavalinDefaultRoutingApi routes) {
    push.routes(routes);
  }

  /** Starts polling, when configured; the poller is closed with {@code resources}. */
  void startPolling(Deque<AutoCloseable> resources) {
    if (poller != null) {
      poller.start();
      resources.push(poller);
    }
  }
}
