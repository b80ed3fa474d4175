package io.tokenwatch.validator.http;

import static java.util.Objects.requireNonNull;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.events.ValidatorStatus;
import io.tokenwatch.schemas.metrics.ServiceMeters;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.TopicEnsurer;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.validator.DecisionListener;
import io.tokenwatch.validator.TokenValidator;
import io.tokenwatch.validator.kafka.FeedFollowingValidators;
import io.tokenwatch.validator.kafka.RevocationFeed;
import io.tokenwatch.validator.kafka.StatusReporter;
import io.tokenwatch.validator.kafka.UsageReporter;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.admin.Admin;
import org.jspecify.annotations.Nullable;

/**
 * The validator as a running service: ensures the topics, follows the revocation feed, reports
 * usage and its status ({@code validator.status.interval}) and serves the forward-auth sidecar.
 * {@link #start(ValidatorConfig)} returns once the sidecar listens (the feed may still be
 * bootstrapping: until it is ready {@code /auth} answers 503 and {@code /ready} is 503); {@link
 * #close()} stops everything.
 */
public final class ValidatorService implements AutoCloseable {

  private final RevocationFeed feed;
  private final @Nullable UsageReporter reporter;
  private final @Nullable StatusReporter status;
  private final TokenValidator validator;
  private final ValidatorSidecar sidecar;
  private final ServiceMeters meters;

  private ValidatorService(
      RevocationFeed feed,
      @Nullable UsageReporter reporter,
      @Nullable StatusReporter status,
      TokenValidator validator,
      ValidatorSidecar sidecar,
      ServiceMeters meters) {
    this.meters = meters;
    this.feed = feed;
    this.reporter = reporter;
    this.status = status;
    this.validator = validator;
    this.sidecar = sidecar;
  }

  /**
   * Starts the service.
   *
   * @throws org.apache.kafka.common.KafkaException when the cluster cannot be reached to ensure
   *     topics
   */
  public static ValidatorService start(ValidatorConfig config) {
    requireNonNull(config, "config");
    Clock clock = Clock.systemUTC();
    SerdeConfig serdeConfig = SerdeConfig.of(config.clientConfig());
    SchemaRegistryClient registry = new HttpSchemaRegistryClient(serdeConfig.registrySettings());
    try (Admin admin = Admin.create(config.clientConfig())) {
      new TopicEnsurer(admin, registry, Duration.ofSeconds(30))
          .ensure(
              List.of(
                  Topics.REVOCATIONS,
                  Topics.REVOCATION_FAST_PATH,
                  Topics.TOKEN_USED,
                  Topics.VALIDATOR_STATUS));
    }
    ServiceMeters meters = ServiceMeters.create();
    PrometheusMeterRegistry metrics = meters.registry();
    RevocationFeed feed =
        FeedFollowingValidators.startFeed(
            config.clientConfig(),
            registry,
            serdeConfig,
            config.revocationTopic(),
            config.revocationFastPathTopic(),
            clock);
    UsageReporter reporter = null;
    StatusReporter status = null;
    try {
      if (config.statusInterval().isPresent()) {
        status =
            new StatusReporter(
                config.clientConfig(),
                AvroSerdes.specific(ValidatorStatus.class, registry, serdeConfig, false)
                    .serializer(),
                config.statusTopic(),
                config.validatorId(),
                config.audience(),
                feed,
                config.statusInterval().get(),
                clock);
        status.bindTo(metrics);
      }
      if (config.usageEnabled()) {
        reporter =
            new UsageReporter(
                config.clientConfig(),
                AvroSerdes.specific(TokenUsed.class, registry, serdeConfig, false).serializer(),
                config.usageTopic(),
                config.validatorId(),
                config.usageQueueSize());
        reporter.bindTo(metrics);
      }
      TokenValidator validator =
          FeedFollowingValidators.builder(
                  config.issuer(),
                  config.audience(),
                  config.jwksUrl(),
                  config.jwksMinRefreshInterval(),
                  config.jwksMaxAge(),
                  feed,
                  clock)
              .algorithms(config.algorithms())
              .clockSkew(config.clockSkew())
              .maxStaleness(config.maxStaleness())
              .revocationFallback(
                  config
                      .revocationFallback()
                      .orElse(io.tokenwatch.validator.RevocationFallback.NONE))
              .signatureCacheSize(config.signatureCacheSize())
              .maxTokenBytes(config.maxTokenBytes())
              .dpopMaxAge(config.dpopMaxAge())
              .dpopReplayCacheSize(config.dpopReplayCacheSize())
              .listener(reporter == null ? DecisionListener.NONE : reporter)
              .build();
      validator.bindTo(metrics);
      feed.bindTo(metrics);
      feed.bindClientMetricsTo(metrics);
      long maxStalenessMillis = config.maxStaleness().toMillis();
      ValidatorSidecar sidecar =
          new ValidatorSidecar(
              validator,
              config.sidecarSettings(),
              () -> feed.isReady() && feed.stalenessMillis() <= maxStalenessMillis,
              metrics);
      return new ValidatorService(feed, reporter, status, validator, sidecar, meters);
    } catch (RuntimeException e) {
      if (status != null) {
        status.close();
      }
      feed.close();
      if (reporter != null) {
        reporter.close();
      }
      meters.close();
      throw e;
    }
  }

  /** The validator, for embedding callers that also want to call it directly. */
  public TokenValidator validator() {
    return validator;
  }

  /** The revocation feed. */
  public RevocationFeed feed() {
    return feed;
  }

  /** The sidecar's port. */
  public int port() {
    return sidecar.port();
  }

  /**
   * Stops the sidecar, the status reports, the feed and the usage reporter (sending what it has
   * queued).
   */
  @Override
  public void close() {
    sidecar.close();
    if (status != null) {
      status.close();
    }
    feed.close();
    if (reporter != null) {
      reporter.close();
    }
    meters.close();
  }
}
