package io.tokenwatch.reliability;

import static io.tokenwatch.reliability.RevocationFeedModel.modelRevokes;
import static io.tokenwatch.reliability.RevocationFeedWorld.MAX_TTL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.issuer.server.IssuerConfig;
import io.tokenwatch.issuer.server.IssuerServer;
import io.tokenwatch.reliability.RevocationFeedModel.Kind;
import io.tokenwatch.reliability.RevocationFeedOperations.Op;
import io.tokenwatch.revocation.app.RevocationStreamApp;
import io.tokenwatch.revocation.kafka.RevocationStreamConfig;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.TopicEnsurer;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.testing.fixtures.TestEvents;
import io.tokenwatch.validator.RevocationIndex;
import io.tokenwatch.validator.VerifiedToken;
import io.tokenwatch.validator.kafka.RevocationFeed;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.jspecify.annotations.Nullable;

/**
 * The harness of the feed model test: one broker, two issuer instances, two revocation stream
 * instances (restarted in turn) and the validators started so far.
 */
final class RevocationFeedPlatform implements AutoCloseable {
  static final Duration BOUND = Duration.ofSeconds(90);
  private static final String AUDIENCE = Pipeline.AUDIENCE;

  private final Path dataDir;
  private final KafkaPlatform kafka;
  private final List<IssuerServer> issuers = new ArrayList<>();
  private final Deque<RevocationFeed> validators = new ArrayDeque<>();
  private final RevocationFeedBrokerWaits waits;
  // Two instances of the revocation stream share its partitions, as in production.
  private final RevocationStreamApp[] streams = new RevocationStreamApp[2];
  private int restarts;

  private RevocationFeedPlatform(Path dataDir, KafkaPlatform kafka) {
    this.dataDir = dataDir;
    this.kafka = kafka;
    this.waits = new RevocationFeedBrokerWaits(kafka);
  }

  static RevocationFeedPlatform start(Path dataDir) {
    KafkaPlatform kafka = KafkaPlatform.start(dataDir, Map.of("log.cleaner.backoff.ms", "50"));
    RevocationFeedPlatform platform = new RevocationFeedPlatform(dataDir, kafka);
    try {
      platform.startAll();
      return platform;
    } catch (RuntimeException e) {
      platform.close();
      throw e;
    }
  }

  private void startAll() {
    try (Admin admin = admin()) {
      new TopicEnsurer(
              admin,
              new HttpSchemaRegistryClient(serdes().registrySettings()),
              Duration.ofSeconds(30))
          .ensure(Topics.ALL);
      // Roll a segment every 100 ms and clean whatever is dirty: compaction within seconds.
      ConfigResource feed =
          new ConfigResource(ConfigResource.Type.TOPIC, Topics.REVOCATIONS.name());
      List<AlterConfigOp> ops = new ArrayList<>();
      Map.of(
              "segment.ms", "100",
              "min.cleanable.dirty.ratio", "0.01",
              "min.compaction.lag.ms", "0",
              "delete.retention.ms", "100")
          .forEach(
              (k, v) ->
                  ops.add(new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET)));
      admin.incrementalAlterConfigs(Map.of(feed, ops)).all().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("cannot set up the feed topic", e);
    }
    startStream(0);
    startStream(1);
    Path policy = Pipeline.samplePolicy(dataDir.resolve("policy.yaml"));
    for (int i = 0; i < 2; i++) {
      int port = Pipeline.freePort();
      Map<String, Object> settings = clients();
      settings.put(IssuerConfig.ISSUER_URL, "http://localhost:" + port);
      settings.put(IssuerConfig.PORT, port);
      settings.put(IssuerConfig.POLICY_FILE, policy.toString());
      settings.put(IssuerConfig.DATA_DIR, dataDir.resolve("issuer-" + i).toString());
      settings.put(IssuerConfig.TTL_CEILING_SECONDS, MAX_TTL.toSeconds());
      settings.put(IssuerConfig.INSTANCE_ID, "feed-model-issuer-" + i);
      issuers.add(IssuerServer.start(IssuerConfig.of(settings)));
    }
    startValidator(); // the one that runs through every try
  }

  private Map<String, Object> clients() {
    Map<String, Object> clients = new LinkedHashMap<>();
    clients.put("bootstrap.servers", kafka.bootstrapServers());
    clients.put("schema.registry.url", kafka.schemaRegistryUrl());
    return clients;
  }

  private SerdeConfig serdes() {
    return SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, kafka.schemaRegistryUrl()));
  }

  private Admin admin() {
    return waits.admin();
  }

  private void startStream(int instance) {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put(RevocationStreamConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
    settings.put(RevocationStreamConfig.SCHEMA_REGISTRY_URL, kafka.schemaRegistryUrl());
    settings.put(
        RevocationStreamConfig.STATE_DIR, dataDir.resolve("stream-" + instance).toString());
    settings.put(RevocationStreamConfig.HTTP_PORT, 0);
    settings.put(RevocationStreamConfig.INTROSPECTION_SECRET_SHA256, Introspection.secretHash());
    settings.put(RevocationStreamConfig.MAX_TOKEN_TTL_MS, MAX_TTL.toMillis());
    settings.put(RevocationStreamConfig.TOMBSTONE_PUNCTUATION_MS, 500L);
    settings.put(RevocationStreamConfig.EXPIRY_PUNCTUATION_MS, 500L);
    settings.put(RevocationStreamConfig.STREAMS_PREFIX + "session.timeout.ms", 6000);
    streams[instance] = RevocationStreamApp.start(settings);
  }

  /** Stops one instance of the stream (each in turn) and starts it again on its state. */
  void restartStream() {
    int instance = restarts++ % streams.length;
    requireNonNull(streams[instance]).close();
    streams[instance] = null;
    startStream(instance);
  }

  void startValidator() {
    Map<String, Object> consumer = new HashMap<>();
    consumer.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    consumer.put(ConsumerConfig.CLIENT_ID_CONFIG, "feed-model-validator-" + UUID.randomUUID());
    RevocationFeed feed =
        new RevocationFeed(
            consumer,
            AvroSerdes.specific(
                    Revocation.class,
                    new HttpSchemaRegistryClient(serdes().registrySettings()),
                    serdes(),
                    false)
                .deserializer(),
            Topics.REVOCATIONS.name(),
            Topics.REVOCATION_FAST_PATH.name(),
            new RevocationIndex(),
            Clock.systemUTC(),
            Duration.ofMillis(100));
    try {
      assertThat(feed.awaitReady(BOUND)).as("a new validator bootstraps").isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    validators.addLast(feed);
    // The first validator runs throughout; of the later ones, the two newest.
    while (validators.size() > 3) {
      RevocationFeed first = validators.pollFirst();
      RevocationFeed oldest = validators.pollFirst();
      oldest.close();
      validators.addFirst(first);
    }
  }

  RevocationFeedWorld newWorld(String name) {
    RevocationFeedWorld world =
        new RevocationFeedWorld(
            name + "-" + UUID.randomUUID().toString().substring(0, 8), Instant.now());
    for (int i = 0; i < issuers.size(); i++) {
      HttpResponse<String> response =
          Pipeline.post(
              issuers.get(i).issuerUrl() + "/oauth2/token",
              Pipeline.ORDERS_SERVICE,
              "application/x-www-form-urlencoded",
              "grant_type=client_credentials&audience="
                  + java.net.URLEncoder.encode(AUDIENCE, java.nio.charset.StandardCharsets.UTF_8)
                  + "&scope=orders:read");
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      String jwt = Pipeline.accessToken(response);
      world.issued.add(new RevocationFeedWorld.Issued(i, jwt, verified(jwt)));
    }
    return world;
  }

  private static VerifiedToken verified(String jwt) {
    try {
      JWTClaimsSet claims = SignedJWT.parse(jwt).getJWTClaimsSet();
      return RevocationFeedWorld.token(
          claims.getJWTID(),
          claims.getSubject(),
          claims.getStringClaim("client_id"),
          claims.getAudience().get(0),
          null,
          List.of(),
          claims.getIssueTime().toInstant());
    } catch (ParseException e) {
      throw new IllegalStateException("the issuer handed out an unparseable token", e);
    }
  }

  HttpResponse<String> adminRevoke(
      int issuer, Kind kind, String value, @Nullable Instant watermark) {
    String body =
        "{\"kind\":\""
            + kind.prefix()
            + "\",\"value\":\""
            + value
            + "\""
            + (watermark == null ? "" : ",\"issued_before\":\"" + watermark + "\"")
            + ",\"reason\":\"COMPROMISED\"}";
    return Pipeline.post(
        issuers.get(issuer).issuerUrl() + "/admin/revocations",
        Pipeline.SECURITY_CONSOLE,
        "application/json",
        body);
  }

  HttpResponse<String> clientRevoke(int issuer, String jwt) {
    return Pipeline.post(
        issuers.get(issuer).issuerUrl() + "/oauth2/revoke",
        Pipeline.ORDERS_SERVICE,
        "application/x-www-form-urlencoded",
        "token=" + jwt);
  }

  void produceRequest(
      String recordKey, Kind kind, String value, @Nullable Instant watermark, Instant requestedAt) {
    RevocationRequested request =
        TestEvents.requested(SelectorKind.valueOf(kind.name()), value, watermark, requestedAt)
            .setReason(RevocationReason.COMPROMISED)
            .setRequestedBy("feed-model-test")
            .build();
    try (KafkaProducer<String, RevocationRequested> producer =
        kafka.producer(RevocationRequested.class)) {
      producer
          .send(new ProducerRecord<>(Topics.REVOCATION_REQUESTS.name(), recordKey, request))
          .get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("cannot produce a revocation request", e);
    }
  }

  void useBeyondLimit(VerifiedToken token) {
    Instant iat = token.issuedAt();
    TokenIssued issued =
        TestEvents.issued(token.tokenId(), iat)
            .setSubject(token.subject())
            .setClientId(token.clientId())
            .setAudience(token.audience().get(0))
            .setExpiresAt(token.expiresAt())
            .setGrantId(requireNonNull(token.grantId()))
            .setMaxUses(1)
            .build();
    try (KafkaProducer<String, TokenIssued> issuance = kafka.producer(TokenIssued.class);
        KafkaProducer<String, TokenUsed> uses = kafka.producer(TokenUsed.class)) {
      issuance
          .send(new ProducerRecord<>(Topics.TOKEN_ISSUED.name(), token.tokenId(), issued))
          .get(30, TimeUnit.SECONDS);
      for (int i = 1; i <= 2; i++) {
        TokenUsed used =
            TestEvents.used(token.tokenId(), Instant.now(), token.expiresAt())
                .setSubject(token.subject())
                .setTokenClientId(token.clientId())
                .setUseCount(i)
                .setMaxUses(1)
                .build();
        uses.send(new ProducerRecord<>(Topics.TOKEN_USED.name(), token.tokenId(), used))
            .get(30, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      throw new IllegalStateException("cannot produce issuance and uses", e);
    }
  }

  /** Waits until the revocation stream has processed every input written so far. */
  void settleStream() {
    waits.settleStream();
  }

  /** Waits until the broker's cleaner has compacted the feed to one record per key. */
  void compactFeed() {
    waits.compactFeed();
  }

  /**
   * Every validator's decision for every token equals the model's, within the bound.
   *
   * @return how many decisions were compared in the final, passing round
   */
  int checkEveryValidator(RevocationFeedWorld world, Map<String, Long> model, Op after) {
    List<RevocationFeed> running = List.copyOf(validators);
    await()
        .atMost(BOUND)
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(
            () -> {
              List<String> wrong = new ArrayList<>();
              for (int v = 0; v < running.size(); v++) {
                RevocationFeed feed = running.get(v);
                for (VerifiedToken token : world.tokens()) {
                  boolean expected = modelRevokes(model, token);
                  boolean actual = feed.revokedBy(token) != null;
                  if (expected != actual) {
                    wrong.add(
                        "validator "
                            + v
                            + (expected ? " allows " : " denies ")
                            + token.tokenId()
                            + " (iat "
                            + token.issuedAt()
                            + ")");
                  }
                }
              }
              assertThat(wrong).as("after %s, with model %s", after, model).isEmpty();
            });
    return running.size() * world.tokens().size();
  }

  @Override
  public void close() {
    validators.forEach(RevocationFeed::close);
    issuers.forEach(IssuerServer::close);
    for (RevocationStreamApp stream : streams) {
      if (stream != null) {
        stream.close();
      }
    }
    kafka.close();
  }

  static <T> T requireNonNull(@Nullable T value) {
    return java.util.Objects.requireNonNull(value);
  }
}
