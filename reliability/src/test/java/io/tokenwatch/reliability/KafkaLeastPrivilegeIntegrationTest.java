package io.tokenwatch.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.tokenwatch.embedded.kafka.EmbeddedKafkaBroker;
import io.tokenwatch.schemas.topic.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
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

  private static final String ADMIN_PASSWORD = "admin-secret-for-tests";
  private static final String VALIDATOR = "tokenwatch-validator";
  private static final String ISSUER = "tokenwatch-issuer";
  private static final String STREAM = "tokenwatch-revocation-stream";
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @TempDir static Path dataDir;

  private static EmbeddedKafkaBroker broker;
  private static int aclCount;

  @BeforeAll
  static void startSecuredBroker() throws Exception {
    String adminLogin =
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\""
            + " password=\""
            + ADMIN_PASSWORD
            + "\" user_admin=\""
            + ADMIN_PASSWORD
            + "\";";
    Map<String, String> secured = new LinkedHashMap<>();
    secured.put(
        "listener.security.protocol.map", "PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT");
    secured.put("sasl.enabled.mechanisms", "SCRAM-SHA-512,PLAIN");
    secured.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
    secured.put("sasl.mechanism.controller.protocol", "PLAIN");
    secured.put("listener.name.plaintext.plain.sasl.jaas.config", adminLogin);
    secured.put(
        "listener.name.plaintext.scram-sha-512.sasl.jaas.config",
        "org.apache.kafka.common.security.scram.ScramLoginModule required;");
    secured.put("listener.name.controller.sasl.enabled.mechanisms", "PLAIN");
    secured.put("listener.name.controller.plain.sasl.jaas.config", adminLogin);
    secured.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
    secured.put("super.users", "User:admin");
    secured.put("allow.everyone.if.no.acl.found", "false");
    broker = EmbeddedKafkaBroker.builder(dataDir).properties(secured).build().start();

    try (Admin admin = Admin.create(adminClient())) {
      List<NewTopic> topics = new ArrayList<>();
      Topics.ALL.forEach(t -> topics.add(new NewTopic(t.name(), 1, (short) 1)));
      admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
      List<UserScramCredentialUpsertion> users = new ArrayList<>();
      for (String user : List.of(VALIDATOR, ISSUER, STREAM)) {
        users.add(
            new UserScramCredentialUpsertion(
                user, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password(user)));
      }
      admin.alterUserScramCredentials(new ArrayList<>(users)).all().get(30, TimeUnit.SECONDS);
      List<AclBinding> acls = AclFile.read(AclFile.SHIPPED);
      admin.createAcls(acls).all().get(30, TimeUnit.SECONDS);
      aclCount = acls.size();
    }
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void shouldLetAValidatorReadTheFeedAndReportUsesButNotWriteTheFeedOrReadIssuance()
      throws Exception {
    try (KafkaProducer<String, String> issuer = producer(ISSUER)) {
      issuer.send(new ProducerRecord<>(Topics.REVOCATIONS.name(), "token:t1", "revoked")).get();
      issuer.send(new ProducerRecord<>(Topics.TOKEN_ISSUED.name(), "t1", "issued")).get();
    }
    assertThat(readAll(VALIDATOR, Topics.REVOCATIONS.name()))
        .extracting(ConsumerRecord::key)
        .contains("token:t1");
    try (KafkaProducer<String, String> validator = producer(VALIDATOR)) {
      validator.send(new ProducerRecord<>(Topics.TOKEN_USED.name(), "t1", "used")).get();
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
    Figures.record(
        "Kafka least privilege (validator)",
        Map.of("aclsApplied", aclCount, "allowedChecked", 2, "deniedChecked", 3));
  }

  @Test
  void shouldLetTheIssuerWriteItsEventsButNotReadIssuanceOrUsesNorWriteUses() throws Exception {
    try (KafkaProducer<String, String> issuer = producer(ISSUER)) {
      for (String topic :
          List.of(
              Topics.TOKEN_ISSUED.name(),
              Topics.ISSUANCE_DENIED.name(),
              Topics.REVOCATION_REQUESTS.name(),
              Topics.REFRESH_GRANTS.name())) {
        issuer.send(new ProducerRecord<>(topic, "k", "v")).get();
      }
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
    anonymous.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
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
    Map<String, Object> config = new HashMap<>();
    config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    config.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
    config.put("sasl.mechanism", "SCRAM-SHA-512");
    config.put(
        "sasl.jaas.config",
        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
            + user
            + "\" password=\""
            + password
            + "\";");
    return config;
  }

  private static Map<String, Object> adminClient() {
    Map<String, Object> config = new HashMap<>();
    config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    config.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
    config.put("sasl.mechanism", "PLAIN");
    config.put(
        "sasl.jaas.config",
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\""
            + " password=\""
            + ADMIN_PASSWORD
            + "\";");
    return config;
  }

  private static String password(String user) {
    return user + "-password-for-tests";
  }
}
