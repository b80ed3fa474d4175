package io.tokenwatch.validator.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.events.UseDecision;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import io.tokenwatch.testing.fixtures.TestEvents;
import io.tokenwatch.validator.Decision;
import io.tokenwatch.validator.DenyReason;
import io.tokenwatch.validator.JwksSource;
import io.tokenwatch.validator.RevocationIndex;
import io.tokenwatch.validator.TestTokens;
import io.tokenwatch.validator.TokenRequest;
import io.tokenwatch.validator.TokenValidator;
import io.tokenwatch.validator.VerifiedToken;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@KafkaIntegrationTest
class RevocationFeedIntegrationTest {

  private static final Duration BOUND = Duration.ofSeconds(60);

  private final TestTokens tokens = new TestTokens();
  private FeedTestBroker broker;

  @BeforeEach
  void setUp(TestCluster cluster) {
    broker =
        FeedTestBroker.with(
            cluster, List.of(Topics.REVOCATIONS, Topics.REVOCATION_FAST_PATH, Topics.TOKEN_USED));
  }

  @AfterEach
  void tearDown() throws Exception {
    broker.close();
  }

  private void produce(String key, @Nullable Revocation value) throws Exception {
    produce(Topics.REVOCATIONS.name(), key, value);
  }

  private void produce(String topic, int partition, String key, Revocation value) throws Exception {
    try (KafkaProducer<String, Revocation> producer =
        new KafkaProducer<>(
            broker.clientConfig(),
            new StringSerializer(),
            AvroSerdes.specific(Revocation.class, broker.registry(), broker.serdeConfig(), false)
                .serializer())) {
      producer.send(new ProducerRecord<>(topic, partition, key, value)).get(30, TimeUnit.SECONDS);
    }
  }

  private void produce(String topic, String key, @Nullable Revocation value) throws Exception {
    try (KafkaProducer<String, Revocation> producer =
        new KafkaProducer<>(
            broker.clientConfig(),
            new StringSerializer(),
            AvroSerdes.specific(Revocation.class, broker.registry(), broker.serdeConfig(), false)
                .serializer())) {
      producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
    }
  }

  private static Revocation revocation(SelectorKind kind, String value) {
    return TestEvents.revocation(kind, value, Instant.now())
        .setRequestedBy("integration-test")
        .build();
  }

  /** A feed as services start it: values projected by the writer schema from the registry. */
  private RevocationFeed startFeed(RevocationIndex index) {
    RevocationFeed feed =
        new RevocationFeed(
            broker.clientConfig(),
            broker.registry(),
            Topics.REVOCATIONS.name(),
            Topics.REVOCATION_FAST_PATH.name(),
            index,
            Clock.systemUTC(),
            Duration.ofMillis(200));
    broker.closeAfter(feed);
    return feed;
  }

  private TokenValidator validator(RevocationFeed feed, Duration maxStaleness) {
    return TokenValidator.builder()
        .issuer(TestTokens.ISSUER)
        .audience(TestTokens.AUDIENCE)
        .jwks(JwksSource.fixed(tokens.publicKeys()))
        .revocations(feed)
        .maxStaleness(maxStaleness)
        .build();
  }

  private static VerifiedToken verified(String subject, Instant issuedAt) {
    return new VerifiedToken(
        UUID.randomUUID().toString(),
        TestTokens.ISSUER,
        subject,
        List.of(TestTokens.AUDIENCE),
        "client",
        Set.of(),
        issuedAt.truncatedTo(ChronoUnit.SECONDS),
        null,
        issuedAt.plusSeconds(3600),
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        List.of(),
        "kid");
  }

  private static TokenRequest request(String token) {
    return TokenRequest.of(token, "GET", "https://api.example/x", Set.of());
  }

  @Test
  void shouldBootstrapBeforeReadyThenFollowRevocationsAndTombstones() throws Exception {
    String early = UUID.randomUUID().toString();
    produce("token:" + early, revocation(SelectorKind.TOKEN, early));

    RevocationIndex index = new RevocationIndex();
    RevocationFeed feed = startFeed(index);
    assertThat(feed.awaitReady(BOUND)).isTrue();
    // Ready means everything present at start has been applied.
    assertThat(index.containsTokenId(early)).isTrue();

    TokenValidator validator = validator(feed, Duration.ofSeconds(30));
    var claims = TestTokens.claims(Instant.now()).subject("subject-" + UUID.randomUUID()).build();
    String token = tokens.sign(claims);
    assertThat(validator.validate(request(token)).allowed()).isTrue();

    produce(
        "subject:" + claims.getSubject(), revocation(SelectorKind.SUBJECT, claims.getSubject()));
    await()
        .atMost(BOUND)
        .untilAsserted(
            () -> {
              Decision decision = validator.validate(request(token));
              assertThat(decision).isInstanceOf(Decision.Deny.class);
              assertThat(((Decision.Deny) decision).reason()).isEqualTo(DenyReason.REVOKED);
            });

    produce("token:" + early, null);
    await().atMost(BOUND).until(() -> !index.containsTokenId(early));
  }

  @Test
  void shouldRevokeTheKeysOfUnreadableValuesAndGoOn() throws Exception {
    String topic = "revocations-unreadable-" + UUID.randomUUID();
    try (Admin admin = Admin.create(broker.clientConfig())) {
      admin
          .createTopics(List.of(new NewTopic(topic, 3, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
    String badMagic = UUID.randomUUID().toString();
    String unknownSchema = UUID.randomUUID().toString();
    String truncated = UUID.randomUUID().toString();
    String good = UUID.randomUUID().toString();
    byte[] goodValue;
    try (var serializer =
        AvroSerdes.specific(Revocation.class, broker.registry(), broker.serdeConfig(), false)
            .serializer()) {
      goodValue = serializer.serialize(topic, revocation(SelectorKind.TOKEN, good));
    }
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            broker.clientConfig(), new StringSerializer(), new ByteArraySerializer())) {
      producer.send(
          new ProducerRecord<>(topic, "token:" + badMagic, new byte[] {1, 0, 0, 0, 1, 2}));
      producer.send(
          new ProducerRecord<>(
              topic, "token:" + unknownSchema, new byte[] {0, 0x7f, 0x7f, 0x7f, 0x7f, 2}));
      producer.send(
          new ProducerRecord<>(
              topic, "token:" + truncated, Arrays.copyOf(goodValue, goodValue.length - 3)));
      producer
          .send(new ProducerRecord<>(topic, "token:" + good, goodValue))
          .get(30, TimeUnit.SECONDS);
    }

    RevocationIndex index = new RevocationIndex();
    RevocationFeed feed =
        new RevocationFeed(
            broker.clientConfig(),
            broker.registry(),
            topic,
            null,
            index,
            Clock.systemUTC(),
            Duration.ofMillis(200));
    broker.closeAfter(feed);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    feed.bindTo(meters);

    assertThat(feed.awaitReady(BOUND)).isTrue();
    // Fail closed: each unreadable value revokes its key, without watermark.
    assertThat(index.containsTokenId(badMagic)).isTrue();
    assertThat(index.containsTokenId(unknownSchema)).isTrue();
    assertThat(index.containsTokenId(truncated)).isTrue();
    assertThat(index.containsTokenId(good)).isTrue();
    assertThat(records(meters, "unreadable")).isEqualTo(3);
    assertThat(records(meters, "revocation")).isEqualTo(1);
  }

  private static double records(SimpleMeterRegistry meters, String type) {
    return meters
        .get("tokenwatch.revocation.feed.records")
        .tag("type", type)
        .functionCounter()
        .count();
  }

  @Test
  void shouldReadPartitionsAddedToTheFeedAfterStartFromTheirBeginning() throws Exception {
    String topic = "test.revocations-" + UUID.randomUUID();
    try (Admin admin = Admin.create(broker.clientConfig())) {
      admin
          .createTopics(
              List.of(
                  new NewTopic(topic, 1, (short) 1)
                      .configs(
                          Map.of(
                              TopicConfig.CLEANUP_POLICY_CONFIG,
                              TopicConfig.CLEANUP_POLICY_COMPACT))))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
    String first = UUID.randomUUID().toString();
    produce(topic, 0, "token:" + first, revocation(SelectorKind.TOKEN, first));
    RevocationIndex index = new RevocationIndex();
    Map<String, Object> consumer = new HashMap<>(broker.clientConfig());
    // The feed looks for new partitions as often as its consumer's metadata may age.
    consumer.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, 200);
    RevocationFeed feed =
        new RevocationFeed(
            consumer,
            AvroSerdes.specific(Revocation.class, broker.registry(), broker.serdeConfig(), false)
                .deserializer(),
            topic,
            null,
            index,
            Clock.systemUTC(),
            Duration.ofMillis(100));
    broker.closeAfter(feed);
    assertThat(feed.awaitReady(BOUND)).isTrue();
    assertThat(index.containsTokenId(first)).isTrue();

    try (Admin admin = Admin.create(broker.clientConfig())) {
      admin
          .createPartitions(Map.of(topic, NewPartitions.increaseTo(3)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
    List<String> later = new ArrayList<>();
    for (int partition = 1; partition <= 2; partition++) {
      for (int i = 0; i < 3; i++) {
        String id = UUID.randomUUID().toString();
        produce(topic, partition, "token:" + id, revocation(SelectorKind.TOKEN, id));
        later.add(id);
      }
    }

    await()
        .atMost(BOUND)
        .untilAsserted(
            () -> {
              for (String id : later) {
                assertThat(index.containsTokenId(id)).as(id).isTrue();
              }
            });
    assertThat(index.tokenIdCount()).isEqualTo(1 + later.size());
    await()
        .atMost(BOUND)
        .untilAsserted(
            () ->
                assertThat(feed.status().positions())
                    .extracting(FeedStatus.Position::partition)
                    .containsExactly(0, 1, 2));
  }

  @Test
  void shouldDenyOnAFastPathRecordAndKeepItThroughATombstoneOfAnOlderFeedRecord() throws Exception {
    var claims = TestTokens.claims(Instant.now()).subject("subject-" + UUID.randomUUID()).build();
    String key = "subject:" + claims.getSubject();
    // The stream's record of an earlier revocation of the same subject, then the issuer's fast
    // path of a new one that the stream has not processed yet.
    produce(key, revocation(SelectorKind.SUBJECT, claims.getSubject()));
    produce(
        Topics.REVOCATION_FAST_PATH.name(),
        key,
        revocation(SelectorKind.SUBJECT, claims.getSubject()));

    RevocationFeed feed = startFeed(new RevocationIndex());
    assertThat(feed.awaitReady(BOUND)).isTrue();
    TokenValidator validator = validator(feed, Duration.ofSeconds(30));
    String token = tokens.sign(claims);
    assertThat(validator.validate(request(token)).allowed()).isFalse();

    // The stream forgets its old record; the new revocation must survive that tombstone.
    produce(key, null);
    String marker = UUID.randomUUID().toString();
    produce("token:" + marker, revocation(SelectorKind.TOKEN, marker));
    await().atMost(BOUND).until(() -> feed.index().containsTokenId(marker));
    assertThat(feed.index().revokedBy(verified(claims.getSubject(), Instant.now())))
        .as("the feed's own index dropped the key on its tombstone")
        .isNull();
    Decision decision = validator.validate(request(token));
    assertThat(decision).isInstanceOf(Decision.Deny.class);
    assertThat(((Decision.Deny) decision).reason()).isEqualTo(DenyReason.REVOKED);
  }

  @Test
  void shouldSkipAFastPathRecordWhoseForgetTimeHasPassed() throws Exception {
    var claims =
        TestTokens.claims(Instant.now().minusSeconds(7200))
            .subject("subject-" + UUID.randomUUID())
            .build();
    Revocation longGone =
        Revocation.newBuilder(revocation(SelectorKind.SUBJECT, claims.getSubject()))
            .setForgetAfter(Instant.now().minus(RevocationFeed.FAST_PATH_GRACE).minusSeconds(60))
            .build();
    produce(Topics.REVOCATION_FAST_PATH.name(), "subject:" + claims.getSubject(), longGone);

    RevocationFeed feed = startFeed(new RevocationIndex());
    assertThat(feed.awaitReady(BOUND)).isTrue();
    assertThat(feed.revokedBy(verified(claims.getSubject(), Instant.now().minusSeconds(7200))))
        .isNull();
  }

  @Test
  void shouldStayFreshWhileRevocationsKeepArriving() throws Exception {
    RevocationIndex index = new RevocationIndex();
    RevocationFeed feed = startFeed(index);
    assertThat(feed.awaitReady(BOUND)).isTrue();

    // Records arriving more often than a fetch waits (fetch.max.wait.ms) must not keep the feed
    // from ever counting as caught up: that would turn a busy feed into FEED_STALE everywhere.
    AtomicBoolean producing = new AtomicBoolean(true);
    long trickleStart = System.currentTimeMillis();
    Thread trickle =
        new Thread(
            () -> {
              try (KafkaProducer<String, Revocation> producer =
                  new KafkaProducer<>(
                      broker.clientConfig(),
                      new StringSerializer(),
                      AvroSerdes.specific(
                              Revocation.class, broker.registry(), broker.serdeConfig(), false)
                          .serializer())) {
                while (producing.get()) {
                  String id = UUID.randomUUID().toString();
                  var unused =
                      producer.send(
                          new ProducerRecord<>(
                              Topics.REVOCATIONS.name(),
                              "token:" + id,
                              revocation(SelectorKind.TOKEN, id)));
                  producer.flush();
                  TimeUnit.MILLISECONDS.sleep(50); // pacing the records, not waiting on a condition
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "revocation-trickle");
    trickle.start();
    try {
      await()
          .atMost(BOUND)
          .until(() -> index.freshness().caughtUpAtMillis() > trickleStart + 2_000);
      assertThat(index.tokenIdCount()).isPositive();
    } finally {
      producing.set(false);
      trickle.join(BOUND.toMillis());
    }
  }

  @Test
  void shouldDenyFeedStaleOnceTheFeedStops() throws Exception {
    RevocationFeed feed = startFeed(new RevocationIndex());
    TokenValidator validator = validator(feed, Duration.ofSeconds(2));
    String token = tokens.sign(TestTokens.claims(Instant.now()).build());
    // Not ready yet or ready: either way it must not allow before the feed is ready.
    assertThat(feed.awaitReady(BOUND)).isTrue();
    await().atMost(BOUND).until(() -> validator.validate(request(token)).allowed());

    feed.close();
    await()
        .atMost(BOUND)
        .untilAsserted(
            () -> {
              Decision decision = validator.validate(request(token));
              assertThat(decision).isInstanceOf(Decision.Deny.class);
              assertThat(((Decision.Deny) decision).reason()).isEqualTo(DenyReason.FEED_STALE);
            });
  }

  @Test
  void shouldReportUsageToTheTokenUsedTopic() throws Exception {
    RevocationFeed feed = startFeed(new RevocationIndex());
    assertThat(feed.awaitReady(BOUND)).isTrue();
    UsageReporter reporter =
        new UsageReporter(
            broker.clientConfig(),
            AvroSerdes.specific(TokenUsed.class, broker.registry(), broker.serdeConfig(), false)
                .serializer(),
            Topics.TOKEN_USED.name(),
            "validator-it",
            1000);
    broker.closeFirst(reporter);
    TokenValidator validator =
        TokenValidator.builder()
            .issuer(TestTokens.ISSUER)
            .audience(TestTokens.AUDIENCE)
            .jwks(JwksSource.fixed(tokens.publicKeys()))
            .revocations(feed)
            .listener(reporter)
            .build();
    var claims = TestTokens.claims(Instant.now()).build();
    String token = tokens.sign(claims);
    assertThat(validator.validate(request(token).withSource("10.0.0.7", null)).allowed()).isTrue();
    assertThat(
            validator
                .validate(TokenRequest.of(token, "GET", "https://api.example/x", Set.of("admin")))
                .allowed())
        .isFalse();

    List<TokenUsed> seen = new ArrayList<>();
    try (KafkaConsumer<String, TokenUsed> consumer =
        new KafkaConsumer<>(
            broker.clientConfig(),
            new StringDeserializer(),
            AvroSerdes.specific(TokenUsed.class, broker.registry(), broker.serdeConfig(), false)
                .deserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(Topics.TOKEN_USED.name()).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      await()
          .atMost(BOUND)
          .until(
              () -> {
                for (ConsumerRecord<String, TokenUsed> record :
                    consumer.poll(Duration.ofMillis(200))) {
                  if (claims.getJWTID().equals(record.key())) {
                    seen.add(record.value());
                  }
                }
                return seen.size() >= 2;
              });
    }
    assertThat(seen)
        .extracting(TokenUsed::getDecision)
        .containsExactlyInAnyOrder(UseDecision.ALLOWED, UseDecision.DENIED);
    assertThat(seen).allSatisfy(e -> assertThat(e.getValidatorId()).isEqualTo("validator-it"));
    assertThat(seen).anySatisfy(e -> assertThat(e.getSourceAddress()).isEqualTo("10.0.0.7"));
    assertThat(seen).allSatisfy(e -> assertThat(e.getResource()).isEqualTo("GET /x"));
    assertThat(reporter.droppedCount()).isZero();
  }
}
