package io.tokenwatch.validator.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tokenwatch.events.AppliedRevocation;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.events.ValidatorStatus;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import io.tokenwatch.testing.fixtures.TestEvents;
import io.tokenwatch.validator.RevocationIndex;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A validator's status reports on the real broker: a revocation produced on the feed shows up in a
 * later report of that validator, listed once with its partition and offset, with the feed's
 * position past it. The topic is shared with other tests, so only this validator's reports count.
 */
@KafkaIntegrationTest
class StatusReporterIntegrationTest {

  private static final Duration BOUND = Duration.ofSeconds(60);

  private FeedTestBroker broker;

  @BeforeEach
  void setUp(TestCluster cluster) {
    broker =
        FeedTestBroker.with(
            cluster,
            List.of(Topics.REVOCATIONS, Topics.REVOCATION_FAST_PATH, Topics.VALIDATOR_STATUS));
  }

  @AfterEach
  void tearDown() throws Exception {
    broker.close();
  }

  private RecordMetadata produce(String key, Revocation value) throws Exception {
    try (KafkaProducer<String, Revocation> producer =
        new KafkaProducer<>(
            broker.clientConfig(),
            new StringSerializer(),
            AvroSerdes.specific(Revocation.class, broker.registry(), broker.serdeConfig(), false)
                .serializer())) {
      return producer
          .send(new ProducerRecord<>(Topics.REVOCATIONS.name(), key, value))
          .get(30, TimeUnit.SECONDS);
    }
  }

  private KafkaConsumer<String, ValidatorStatus> statusConsumer() {
    Map<String, Object> config = new HashMap<>(broker.clientConfig());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, "status-it-" + UUID.randomUUID());
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    KafkaConsumer<String, ValidatorStatus> consumer =
        new KafkaConsumer<>(
            config,
            new StringDeserializer(),
            AvroSerdes.specific(
                    ValidatorStatus.class, broker.registry(), broker.serdeConfig(), false)
                .deserializer());
    consumer.subscribe(List.of(Topics.VALIDATOR_STATUS.name()));
    broker.closeAfter(consumer);
    return consumer;
  }

  @Test
  void shouldListAnAppliedRevocationInALaterReportWithThePositionPastIt() throws Exception {
    String validatorId = "status-it-" + UUID.randomUUID();
    RevocationFeed feed =
        new RevocationFeed(
            broker.clientConfig(),
            AvroSerdes.specific(Revocation.class, broker.registry(), broker.serdeConfig(), false)
                .deserializer(),
            Topics.REVOCATIONS.name(),
            Topics.REVOCATION_FAST_PATH.name(),
            new RevocationIndex(),
            Clock.systemUTC(),
            Duration.ofMillis(200));
    broker.closeAfter(feed);
    StatusReporter reporter =
        new StatusReporter(
            broker.clientConfig(),
            AvroSerdes.specific(
                    ValidatorStatus.class, broker.registry(), broker.serdeConfig(), false)
                .serializer(),
            Topics.VALIDATOR_STATUS.name(),
            validatorId,
            "https://api.example",
            feed,
            Duration.ofMillis(300),
            Clock.systemUTC());
    broker.closeFirst(reporter);
    assertThat(feed.awaitReady(BOUND)).isTrue();

    String jti = UUID.randomUUID().toString();
    RecordMetadata written =
        produce(
            "token:" + jti,
            TestEvents.revocation(SelectorKind.TOKEN, jti, Instant.now())
                .setRequestedBy("integration-test")
                .build());

    KafkaConsumer<String, ValidatorStatus> consumer = statusConsumer();
    List<ValidatorStatus> reports = new ArrayList<>();
    await()
        .atMost(BOUND)
        .untilAsserted(
            () -> {
              for (ConsumerRecord<String, ValidatorStatus> record :
                  consumer.poll(Duration.ofMillis(200))) {
                if (validatorId.equals(record.key())) {
                  reports.add(record.value());
                }
              }
              assertThat(reports)
                  .anySatisfy(
                      report ->
                          assertThat(report.getRecent())
                              .extracting(AppliedRevocation::getSelector)
                              .contains("token:" + jti));
            });

    List<ValidatorStatus> listing =
        reports.stream()
            .filter(
                r -> r.getRecent().stream().anyMatch(a -> a.getSelector().equals("token:" + jti)))
            .toList();
    assertThat(listing).as("listed in exactly one report").hasSize(1);
    ValidatorStatus report = listing.get(0);
    AppliedRevocation applied =
        report.getRecent().stream()
            .filter(a -> a.getSelector().equals("token:" + jti))
            .findFirst()
            .orElseThrow();
    assertThat(applied.getTopic()).isEqualTo(Topics.REVOCATIONS.name());
    assertThat(applied.getPartition()).isEqualTo(written.partition());
    assertThat(applied.getOffset()).isEqualTo(written.offset());
    assertThat(applied.getRecordTimestamp().toEpochMilli()).isEqualTo(written.timestamp());
    assertThat(applied.getAppliedAt()).isAfterOrEqualTo(applied.getRecordTimestamp());
    assertThat(report.getPositions())
        .anySatisfy(
            position -> {
              assertThat(position.getTopic()).isEqualTo(Topics.REVOCATIONS.name());
              assertThat(position.getPartition()).isEqualTo(written.partition());
              assertThat(position.getNextOffset()).isGreaterThan(written.offset());
            });
    assertThat(report.getValidatorId()).isEqualTo(validatorId);
    assertThat(report.getAudience()).isEqualTo("https://api.example");
    assertThat(report.getIntervalMs()).isEqualTo(300);
    assertThat(report.getReady()).isTrue();
    assertThat(report.getStalenessMs()).isNotNull();
    assertThat(report.getLiveRevocations()).isPositive();
    assertThat(reports)
        .extracting(ValidatorStatus::getSequence)
        .as("numbered from 1 without gaps")
        .isSorted()
        .doesNotHaveDuplicates();
  }
}
