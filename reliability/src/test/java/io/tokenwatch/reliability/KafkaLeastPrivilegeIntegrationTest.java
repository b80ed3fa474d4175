package io.tokenwatch.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.tokenwatch.schemas.topic.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped ACL set on a broker that authenticates every client with SASL/SCRAM and authorizes
 * with Kafka's standard authorizer (deny unless allowed): each component's principal can do what
 * its job needs and nothing more, and a client without credentials gets nothing.
 *
 * <p>The broker's own principal ({@code admin}, PLAIN, super user) bootstraps the SCRAM users and
 * applies the ACLs, as an operator would; the controller listener authenticates too, so no
 * anonymous connection is trusted anywhere.
 */
@Tag("integration")
class KafkaLeastPrivilegeIntegrationTest {

  private static final String VALIDATOR = SecuredKafka.VALIDATOR;
  private static final String ISSUER = SecuredKafka.ISSUER;
  private static final String STREAM = SecuredKafka.STREAM;
  private static final String DETECTOR = SecuredKafka.DETECTOR;
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @TempDir static Path dataDir;

  private static SecuredKafka kafka;
  private static int aclCount;

  @BeforeAll
  static void startSecuredBroker() throws Exception {
    List<AclBinding> acls = AclFile.read(AclFile.SHIPPED);
    aclCount = acls.size();
    kafka = SecuredKafka.start(dataDir, acls);
    try (Admin admin = Admin.create(kafka.adminClient())) {
      List<NewTopic> topics = new ArrayList<>();
      Topics.ALL.forEach(t -> topics.add(new NewTopic(t.name(), 1, (short) 1)));
      admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
    }
  }

  @AfterAll
  static void stopBroker() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void shouldLetAValidatorReadTheFeedAndReportUsesButNotWriteTheFeedOrReadIssuance()
      throws Exception {
    try (KafkaProducer<String, String> stream = producer(STREAM);
        KafkaProducer<String, String> issuer = producer(ISSUER)) {
      stream.send(new ProducerRecord<>(Topics.REVOCATIONS.name(), "token:t1", "revoked")).get();
      issuer
          .send(new ProducerRecord<>(Topics.REVOCATION_FAST_PATH.name(), "token:t1", "revoked"))
          .get();
      issuer.send(new ProducerRecord<>(Topics.TOKEN_ISSUED.name(), "t1", "issued")).get();
    }
    assertThat(readAll(VALIDATOR, Topics.REVOCATIONS.name()))
        .extracting(ConsumerRecord::key)
        .contains("token:t1");
    assertThat(readAll(VALIDATOR, Topics.REVOCATION_FAST_PATH.name()))
        .extracting(ConsumerRecord::key)
        .contains("token:t1");
    try (KafkaProducer<String, String> validator = producer(VALIDATOR)) {
      validator.send(new ProducerRecord<>(Topics.TOKEN_USED.name(), "t1", "used")).get();
      validator
          .send(new ProducerRecord<>(Topics.VALIDATOR_STATUS.name(), "validator-1", "status"))
          .get();
      assertThat(
              catchThrowable(
                  () ->
                      validator
                          .send(
                              new ProducerRecord<>(Topics.REVOCATIONS.name(), "token:t2", "forged"))
                          .get()))
          .as("a validator writing the revocation feed")
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(TopicAuthorizationException.class);
    }
    assertThatThrownBy(() -> readAll(VALIDATOR, Topics.TOKEN_ISSUED.name()))
        .as("a validator reading issuance events")
        .isInstanceOf(TopicAuthorizationException.class);
    assertThatThrownBy(() -> readAll(VALIDATOR, Topics.TOKEN_USED.name()))
        .as("a validator reading other validators' usage reports")
        .isInstanceOf(TopicAuthorizationException.class);
    assertThatThrownBy(() -> readAll(VALIDATOR, Topics.VALIDATOR_STATUS.name()))
        .as("a validator reading other validators' status reports")
        .isInstanceOf(TopicAuthorizationException.class);
    assertThat(readAll(DETECTOR, Topics.VALIDATOR_STATUS.name()))
        .as("the anomaly detector reads the status reports it watches")
        .extracting(ConsumerRecord::key)
        .contains("validator-1");
    Figures.record(
        "Kafka least privilege (validator)",
        Map.of("aclsApplied", aclCount, "allowedChecked", 5, "deniedChecked", 4));
  }

  @Test
  void shouldLetTheIssuerWriteItsEventsButNotTheCompactedFeedNorReadIssuanceOrUses()
      throws Exception {
    try (KafkaProducer<String, String> issuer = producer(ISSUER)) {
      for (String topic :
          List.of(
              Topics.TOKEN_ISSUED.name(),
              Topics.ISSUANCE_DENIED.name(),
              Topics.REVOCATION_REQUESTS.name(),
              Topics.REVOCATION_FAST_PATH.name(),
              Topics.REFRESH_GRANTS.name())) {
        issuer.send(new ProducerRecord<>(topic, "k", "v")).get();
      }
      assertThat(
              catchThrowable(
                  () ->
                      issuer
                          .send(new ProducerRecord<>(Topics.REVOCATIONS.name(), "token:k", "v"))
                          .get()))
          .as("the issuer writing the compacted feed, whose keys have one writer each")
          .hasCauseInstanceOf(TopicAuthorizationException.class);
      assertThat(
              catchThrowable(
                  () ->
                      issuer.send(new ProducerRecord<>(Topics.TOKEN_USED.name(), "k", "v")).get()))
          .hasCauseInstanceOf(TopicAuthorizationException.class);
      assertThat(
              catchThrowable(
                  () ->
                      issuer
                          .send(new ProducerRecord<>(Topics.SECURITY_ALERTS.name(), "k", "v"))
                          .get()))
          .hasCauseInstanceOf(TopicAuthorizationException.class);
    }
    assertThatThrownBy(() -> readAll(ISSUER, Topics.TOKEN_ISSUED.name()))
        .isInstanceOf(TopicAuthorizationException.class);
    assertThatThrownBy(() -> readAll(ISSUER, Topics.TOKEN_USED.name()))
        .isInstanceOf(TopicAuthorizationException.class);
  }

  @Test
  void shouldLetTheRevocationStreamReadItsInputsButNotForgeIssuanceOrUses() throws Exception {
    assertThat(readAll(STREAM, Topics.TOKEN_ISSUED.name())).isNotNull();
    assertThat(readAll(STREAM, Topics.REVOCATION_REQUESTS.name())).isNotNull();
    try (KafkaProducer<String, String> stream = producer(STREAM)) {
      stream.send(new ProducerRecord<>(Topics.DEAD_LETTERS.name(), "k", "v")).get();
      for (String topic : List.of(Topics.TOKEN_ISSUED.name(), Topics.TOKEN_USED.name())) {
        assertThat(catchThrowable(() -> stream.send(new ProducerRecord<>(topic, "k", "v")).get()))
            .as("the revocation stream writing %s", topic)
            .hasCauseInstanceOf(TopicAuthorizationException.class);
      }
    }
  }

  @Test
  void shouldGiveNothingToAClientWithoutCredentialsOrWithAWrongPassword() {
    Map<String, Object> anonymous = new HashMap<>();
    anonymous.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    anonymous.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
    anonymous.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 4_000);
    try (Admin admin = Admin.create(anonymous)) {
      assertThatThrownBy(() -> admin.listTopics().names().get(10, TimeUnit.SECONDS))
          .as("a client that does not authenticate lists no topic")
          .isInstanceOfAny(ExecutionException.class, java.util.concurrent.TimeoutException.class);
    }

    Map<String, Object> wrongPassword = new HashMap<>(client(VALIDATOR, "not-the-password"));
    wrongPassword.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
    try (KafkaProducer<String, String> impostor =
        new KafkaProducer<>(wrongPassword, new StringSerializer(), new StringSerializer())) {
      assertThat(
              catchThrowable(
                  () ->
                      impostor
                          .send(new ProducerRecord<>(Topics.TOKEN_USED.name(), "k", "v"))
                          .get(30, TimeUnit.SECONDS)))
          .satisfiesAnyOf(
              e -> assertThat(e).isInstanceOf(SaslAuthenticationException.class),
              e -> assertThat(e).hasCauseInstanceOf(SaslAuthenticationException.class));
    }
  }

  private static List<ConsumerRecord<String, String>> readAll(String user, String topic) {
    Map<String, Object> config = new HashMap<>(client(user, password(user)));
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<ConsumerRecord<String, String>> records = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
      TopicPartition partition = new TopicPartition(topic, 0);
      consumer.assign(List.of(partition));
      long end = consumer.endOffsets(List.of(partition), TIMEOUT).get(partition);
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (consumer.position(partition, TIMEOUT) < end && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
    }
    return records;
  }

  private static KafkaProducer<String, String> producer(String user) {
    Map<String, Object> config = new HashMap<>(client(user, password(user)));
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
    config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
  }

  private static Map<String, Object> client(String user, String password) {
    return kafka.client(user, password);
  }

  private static String password(String user) {
    return SecuredKafka.password(user);
  }
}
