package io.tokenwatch.issuer.server;

import static java.util.Objects.requireNonNull;

import io.javalin.Javalin;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.issuer.AdminAuthenticator;
import io.tokenwatch.issuer.IssuerMetrics;
import io.tokenwatch.issuer.TokenMinter;
import io.tokenwatch.issuer.access.AccessRequest;
import io.tokenwatch.issuer.access.AccessRequests;
import io.tokenwatch.issuer.consent.AuthorizationCodes;
import io.tokenwatch.issuer.consent.ConsentRegistry;
import io.tokenwatch.issuer.http.AccessRequestHttpApi;
import io.tokenwatch.issuer.http.ConsentPages;
import io.tokenwatch.issuer.http.IssuerHttpApi;
import io.tokenwatch.issuer.http.PersonRevocationHttpApi;
import io.tokenwatch.issuer.http.PolicyHistoryHttpApi;
import io.tokenwatch.issuer.kafka.KafkaAccessRequestStore;
import io.tokenwatch.issuer.kafka.KafkaConsents;
import io.tokenwatch.issuer.kafka.KafkaEventLog;
import io.tokenwatch.issuer.kafka.KafkaPendingRevocationStore;
import io.tokenwatch.issuer.kafka.KafkaPolicyHistoryLog;
import io.tokenwatch.issuer.kafka.KafkaRefreshGrantStore;
import io.tokenwatch.issuer.policy.PolicyHolder;
import io.tokenwatch.issuer.policy.PolicyParser;
import io.tokenwatch.issuer.policy.history.ChangeApprovals;
import io.tokenwatch.issuer.policy.history.PolicyHistory;
import io.tokenwatch.issuer.policy.history.PolicyRollback;
import io.tokenwatch.issuer.revocation.OwnTokens;
import io.tokenwatch.issuer.revocation.PendingRevocation;
import io.tokenwatch.issuer.revocation.PersonRevocations;
import io.tokenwatch.issuer.token.TokenService;
import io.tokenwatch.keys.SigningKeys;
import io.tokenwatch.people.PeopleGate;
import io.tokenwatch.schemas.http.ExactHeaders;
import io.tokenwatch.schemas.metrics.ServiceMeters;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.TopicEnsurer;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.validator.DpopVerifier;
import io.tokenwatch.validator.RevocationIndex;
import io.tokenwatch.validator.kafka.RevocationFeed;
import io.tokenwatch.validator.kafka.UsageReporter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The issuer service: ensures the topics, loads the policy (and watches it), opens the signing
 * keys, reads the shared refresh-grant state, then serves HTTP. {@link #start} returns once it is
 * serving; {@link #close()} stops everything in reverse order. The {@code tokenwatch issuer}
 * command and {@code tokenwatch up} run it.
 */
public final class IssuerServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(IssuerServer.class);

  /** DPoP proofs longer than this are refused unread, as validators do by default. */
  private static final int DPOP_MAX_PROOF_BYTES = 8192;

  /** Bound on DPoP proof ids the token endpoint remembers, as validators do by default. */
  private static final long DPOP_REPLAY_CACHE_SIZE = 1_000_000;

  private final Deque<AutoCloseable> resources = new ArrayDeque<>();
  private @Nullable Javalin http;
  private @Nullable SigningKeys keys;
  private @Nullable PolicyHolder policy;
  private @Nullable PeopleGate people;
  private @Nullable AccessRequests access;
  private String issuerUrl = "";

  private IssuerServer() {}

  /**
   * Starts an issuer.
   *
   * @throws io.tokenwatch.issuer.InvalidPolicyException if the policy file is invalid
   * @throws RuntimeException if Kafka, the registry or the port cannot be reached; whatever was
   *     started is stopped again
   */
  public static IssuerServer start(IssuerConfig config) {
    return start(config, Clock.systemUTC());
  }

  /** Starts an issuer with its own clock (tests). */
  public static IssuerServer start(IssuerConfig config, Clock clock) {
    return launch(config, clock, null);
  }

  /**
   * Starts an issuer whose widening policy changes are approved through {@code approvals} instead
   * of its access requests (tests).
   */
  public static IssuerServer start(IssuerConfig config, Clock clock, ChangeApprovals approvals) {
    return launch(config, clock, requireNonNull(approvals, "approvals"));
  }

  private static IssuerServer launch(
      IssuerConfig config, Clock clock, @Nullable ChangeApprovals approvals) {
    requireNonNull(config, "config");
    requireNonNull(clock, "clock");
    IssuerServer server = new IssuerServer();
    try {
      server.run(config, clock, approvals);
      return server;
    } catch (RuntimeException | Error e) {
      server.close();
      throw e;
    }
  }

  private void run(IssuerConfig config, Clock clock, @Nullable ChangeApprovals changeApprovals) {
    issuerUrl = config.issuerUrl();
    String instanceId =
        config.instanceId().orElse("issuer-" + UUID.randomUUID().toString().substring(0, 8));
    SchemaRegistryClient registry =
        new HttpSchemaRegistryClient(config.serdeConfig().registrySettings());
    Map<String, Object> adminConfig = config.kafkaClientSettings();
    adminConfig.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    Admin admin = Admin.create(adminConfig);
    resources.push(admin);
    new TopicEnsurer(admin, registry, Duration.ofSeconds(30)).ensure(Topics.ALL);

    ServiceMeters meters = ServiceMeters.create();
    resources.push(meters);
    PrometheusMeterRegistry prometheus = meters.registry();

    SigningKeys signingKeys = SigningKeys.open(config.dataDir(), config.signingAlgorithm(), clock);
    keys = signingKeys;

    Producer<String, byte[]> producer = KafkaEventLog.producer(producerConfig(config));
    KafkaClientMetrics producerMetrics = new KafkaClientMetrics(producer);
    producerMetrics.bindTo(prometheus);
    KafkaEventLog events = new KafkaEventLog(producer, registry, config.produceTimeout());
    resources.push(events);
    resources.push(producerMetrics);

    // The history is read before the policy is loaded: the holder starts from the version last
    // recorded in force, and records the file's document first if it is new.
    KafkaPolicyHistoryLog historyLog =
        new KafkaPolicyHistoryLog(
            events, config.kafkaClientSettings(), registry, config.produceTimeout());
    resources.push(historyLog);
    historyLog.start(Duration.ofSeconds(60));
    PolicyParser parser = new PolicyParser(config.ttlCeiling(), config.issuerUrl());
    PolicyHolder[] holder = new PolicyHolder[1];
    // Access requests are read before the policy too: a widening edit made while the issuer was
    // down is held at start, and its approval is an access request (they read the policy in force
    // only when asked, by then loaded).
    KafkaAccessRequestStore accessStore =
        new KafkaAccessRequestStore(events, config.kafkaClientSettings(), registry);
    resources.push(accessStore);
    accessStore.start(Duration.ofSeconds(60));
    AccessRequests accessRequests =
        new AccessRequests(
            accessStore, () -> holder[0].current(), clock, config.accessMaxException());
    access = accessRequests;
    ChangeApprovals approvals =
        changeApprovals != null
            ? changeApprovals
            : new AccessRequestChangeApprovals(accessRequests);
    PolicyHistory history =
        new PolicyHistory(historyLog, approvals, config.policyApprovalRisk(), parser, clock);
    IssuerMetrics metrics = new IssuerMetrics(prometheus, () -> holder[0].current());
    try {
      holder[0] = new PolicyHolder(config.policyFile(), parser, metrics::policyReload, history);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read policy file " + config.policyFile(), e);
    }
    PolicyHolder policies = holder[0];
    policy = policies;
    resources.push(policies);
    metrics.pendingPolicy(policies);
    policies.watch(config.policyReloadInterval());
    PolicyRollback rollback = new PolicyRollback(history, policies, parser, config.policyFile());

    KafkaRefreshGrantStore grants =
        new KafkaRefreshGrantStore(events, config.kafkaClientSettings(), registry);
    resources.push(grants);
    grants.start(Duration.ofSeconds(60));

    PeopleGate gate;
    try {
      gate = PeopleGate.start(config.people(), issuerUrl, clock);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the people configuration's files", e);
    }
    resources.push(gate);
    people = gate;
    PolicyHistoryHttpApi policyHistoryApi =
        new PolicyHistoryHttpApi(history, policies, rollback, gate);
    ConsentRegistry consentRegistry = new ConsentRegistry();
    KafkaConsents consents =
        new KafkaConsents(events, consentRegistry, config.kafkaClientSettings(), registry);
    resources.push(consents);
    consents.start(Duration.ofSeconds(60));
    KafkaPendingRevocationStore pendingStore =
        new KafkaPendingRevocationStore(events, config.kafkaClientSettings(), registry);
    resources.push(pendingStore);
    pendingStore.start(Duration.ofSeconds(60));

    RevocationFeed feed = revocationFeed(config, instanceId, registry, clock);
    resources.push(feed);
    feed.bindTo(prometheus);
    awaitFeed(feed);

    TokenService service =
        new TokenService(
            policies::current,
            accessRequests::exceptions,
            new TokenMinter(signingKeys),
            new OwnTokens(signingKeys, issuerUrl, clock, feed, config.revocationMaxStaleness()),
            events,
            grants,
            new DpopVerifier(
                clock,
                DpopVerifier.Window.symmetric(config.dpopWindow()),
                DPOP_MAX_PROOF_BYTES,
                DPOP_REPLAY_CACHE_SIZE),
            metrics,
            clock,
            issuerUrl,
            instanceId,
            config.ttlCeiling(),
            feed,
            config.revocationMaxStaleness(),
            consents,
            consentRegistry,
            new AuthorizationCodes(clock, config.consentCodeTtl()));
    PersonRevocations personRevocations =
        new PersonRevocations(
            service.revocations(),
            pendingStore,
            policies::current,
            clock,
            config.revocationPendingTtl());
    startExpirySweep(accessRequests, personRevocations, config.accessExpirySweep());
    PersonRevocationHttpApi personRevocationApi =
        new PersonRevocationHttpApi(personRevocations, gate, policies::current);
    Map<String, BooleanSupplier> readiness =
        Map.of(
            "keys",
            () -> signingKeys.current() != null,
            "policy",
            () -> policies.current() != null,
            "refresh_grants",
            grants::ready,
            "consents",
            consents::ready,
            "access_requests",
            accessStore::ready,
            "pending_revocations",
            pendingStore::ready,
            "kafka",
            () -> kafkaReachable(admin),
            "revocations",
            () -> {
              long staleness = feed.stalenessMillis();
              return staleness >= 0 && staleness <= config.revocationMaxStaleness().toMillis();
            });
    // The admin API accepts Tokenwatch tokens like any resource server: each use (allowed and
    // denied) goes to tokenwatch.token-used through the validator library's reporter, so the
    // audit's least-privilege sees admin_scope exercised.
    Map<String, Object> usageConfig = config.kafkaClientSettings();
    usageConfig.put(ProducerConfig.CLIENT_ID_CONFIG, "tokenwatch-issuer-usage-" + instanceId);
    UsageReporter usage =
        new UsageReporter(
            usageConfig,
            AvroSerdes.specific(TokenUsed.class, registry, config.serdeConfig(), false)
                .serializer(),
            Topics.TOKEN_USED.name(),
            instanceId,
            10_000);
    resources.push(usage);
    usage.bindTo(prometheus);
    AdminAuthenticator admins =
        new AdminAuthenticator(
            policies::current,
            AdminAuthenticator.adminTokenValidator(
                signingKeys, issuerUrl, feed, config.revocationMaxStaleness(), clock, usage),
            issuerUrl + "/admin/revocations",
            metrics);
    IssuerHttpApi api =
        new IssuerHttpApi(
            service,
            policies::current,
            signingKeys,
            metrics,
            prometheus,
            issuerUrl,
            config.mtlsHeader().orElse(null),
            readiness,
            admins,
            personRevocationApi);
    ConsentPages consentPages =
        new ConsentPages(service.consents(), policies::current, gate, clock, issuerUrl);
    Javalin server =
        Javalin.create(
            javalin -> {
              javalin.startup.showJavalinBanner = false;
              javalin.startup.showOldJavalinVersionWarning = false;
              ExactHeaders.apply(javalin);
              javalin.jetty.host = config.host();
              javalin.jetty.port = config.port();
              javalin.http.maxRequestSize = config.maxBodyBytes();
              api.configure(javalin);
              gate.routes(javalin);
              policyHistoryApi.configure(javalin);
              consentPages.configure(javalin);
              new AccessRequestHttpApi(accessRequests, gate).configure(javalin);
              personRevocationApi.configure(javalin);
            });
    server.start();
    http = server;
    LOG.info(
        "Issuer {} ({}) serving on port {} with policy {} version {}",
        issuerUrl,
        instanceId,
        server.port(),
        policies.current().id(),
        policies.current().version());
  }

  /**
   * Records the expiry of ended exceptions every {@code interval}. Issuance already stops at each
   * exception's end; the sweep only tells everyone else, so a failed round is logged and retried.
   */
  private void startExpirySweep(
      AccessRequests requests, PersonRevocations revocations, Duration interval) {
    ScheduledExecutorService sweeper =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "access-expiry-sweep");
              thread.setDaemon(true);
              return thread;
            });
    resources.push(sweeper::shutdownNow);
    // The task catches everything itself, so its future never holds an exception to look at.
    var unused =
        sweeper.scheduleWithFixedDelay(
            () -> {
              try {
                for (AccessRequest expired : requests.expireDue()) {
                  LOG.info("Access request {} expired: {}", expired.id(), expired.detail());
                }
              } catch (RuntimeException e) {
                LOG.warn("Could not record expired access requests; retrying: {}", e.getMessage());
              }
              try {
                for (PendingRevocation lapsed : revocations.expireDue()) {
                  LOG.info(
                      "Revocation {} of {}:{} lapsed without a second person",
                      lapsed.id(),
                      lapsed.revocation().kind(),
                      lapsed.revocation().value());
                }
              } catch (RuntimeException e) {
                LOG.warn(
                    "Could not record lapsed pending revocations; retrying: {}", e.getMessage());
              }
            },
            interval.toMillis(),
            interval.toMillis(),
            TimeUnit.MILLISECONDS);
  }

  /**
   * The issuer's copy of the revocations the validators read. The issuer follows them like any
   * validator: admin tokens, token-exchange subject tokens and their ancestors, and the token a
   * refresh would mint are refused once revoked, and while the copy is not ready or stale. This is
   * the one place that decides which topics the issuer reads revocations from and how; everything
   * else sees only the {@link io.tokenwatch.validator.RevocationView} it returns.
   */
  private static RevocationFeed revocationFeed(
      IssuerConfig config, String instanceId, SchemaRegistryClient registry, Clock clock) {
    SerdeConfig serdeConfig = config.serdeConfig();
    return new RevocationFeed(
        feedConsumerConfig(config, instanceId),
        AvroSerdes.specific(Revocation.class, registry, serdeConfig, false).deserializer(),
        Topics.REVOCATIONS.name(),
        Topics.REVOCATION_FAST_PATH.name(),
        new RevocationIndex(),
        clock,
        Duration.ofMillis(500));
  }

  /** The event producer's settings: the issuer's own over the configured client settings. */
  private static Map<String, Object> producerConfig(IssuerConfig config) {
    Map<String, Object> producer = config.kafkaClientSettings();
    producer.putAll(
        KafkaEventLog.producerConfig(config.bootstrapServers(), config.produceTimeout()));
    return producer;
  }

  private static Map<String, Object> feedConsumerConfig(IssuerConfig config, String instanceId) {
    Map<String, Object> consumer = config.kafkaClientSettings();
    consumer.put(ConsumerConfig.CLIENT_ID_CONFIG, "tokenwatch-issuer-feed-" + instanceId);
    return consumer;
  }

  private static void awaitFeed(RevocationFeed feed) {
    try {
      if (!feed.awaitReady(Duration.ofSeconds(60))) {
        // Not fatal: admin tokens, token exchange and refresh fail closed until it is, and /ready
        // says so.
        LOG.warn(
            "The revocation feed is not ready yet; admin tokens, token exchange and refresh wait");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading the revocation feed", e);
    }
  }

  private static boolean kafkaReachable(Admin admin) {
    try {
      admin
          .describeCluster(new DescribeClusterOptions().timeoutMs(2_000))
          .clusterId()
          .get(3, TimeUnit.SECONDS);
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  /** The HTTP port served on. */
  public int port() {
    Javalin server = http;
    if (server == null) {
      throw new IllegalStateException("not started");
    }
    return server.port();
  }

  /** The issuer URL ({@code iss}). */
  public String issuerUrl() {
    return issuerUrl;
  }

  /** The signing keys, e.g. to {@link SigningKeys#rotate rotate} them. */
  public SigningKeys keys() {
    return requireNonNull(keys, "not started");
  }

  /** The access requests, e.g. to sweep expiries now. */
  public AccessRequests access() {
    return requireNonNull(access, "not started");
  }

  /** Who is acting on the pages and APIs for people. */
  public PeopleGate people() {
    return requireNonNull(people, "not started");
  }

  /** The policy holder, e.g. to reload now. */
  public PolicyHolder policy() {
    return requireNonNull(policy, "not started");
  }

  @Override
  public void close() {
    Javalin server = http;
    http = null;
    if (server != null) {
      server.stop();
    }
    while (!resources.isEmpty()) {
      try {
        resources.pop().close();
      } catch (Exception e) {
        LOG.warn("Error while stopping the issuer", e);
      }
    }
  }
}
