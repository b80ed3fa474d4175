package io.tokenwatch.reliability;

import io.tokenwatch.embedded.kafka.EmbeddedKafkaBroker;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AclBinding;

/**
 * The embedded broker in a secured profile: SASL/SCRAM-SHA-512 for clients on its one client
 * listener, SASL/PLAIN on the controller listener, Kafka's standard authorizer denying whatever no
 * ACL allows. Its own principal {@code admin} (PLAIN, super user) bootstraps the SCRAM users and
 * the ACLs, as an operator would; no anonymous connection is trusted anywhere.
 */
final class SecuredKafka implements AutoCloseable {

  static final String VALIDATOR = "tokenwatch-validator";
  static final String ISSUER = "tokenwatch-issuer";
  static final String STREAM = "tokenwatch-revocation-stream";
  static final String DETECTOR = "tokenwatch-anomaly-detector";

  private static final String ADMIN_PASSWORD = "admin-secret-for-tests";

  private final EmbeddedKafkaBroker broker;

  private SecuredKafka(EmbeddedKafkaBroker broker) {
    this.broker = broker;
  }

  /** Starts the broker, creates one SCRAM user per component and applies {@code acls}. */
  static SecuredKafka start(Path dataDir, List<AclBinding> acls) throws Exception {
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
    EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.builder(dataDir).properties(secured).build().start();
    SecuredKafka kafka = new SecuredKafka(broker);
    try (Admin admin = Admin.create(kafka.adminClient())) {
      List<UserScramCredentialAlteration> users = new ArrayList<>();
      for (String user : List.of(VALIDATOR, ISSUER, STREAM, DETECTOR)) {
        users.add(
            new UserScramCredentialUpsertion(
                user, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password(user)));
      }
      admin.alterUserScramCredentials(users).all().get(30, TimeUnit.SECONDS);
      admin.createAcls(acls).all().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      broker.close();
      throw e;
    }
    return kafka;
  }

  String bootstrapServers() {
    return broker.bootstrapServers();
  }

  /** Client settings of a component's principal, {@code bootstrap.servers} included. */
  Map<String, Object> client(String user) {
    return client(user, password(user));
  }

  /** Client settings of {@code user} authenticating with {@code password}. */
  Map<String, Object> client(String user, String password) {
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

  /** Client settings of the operator (super user). */
  Map<String, Object> adminClient() {
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

  static String password(String user) {
    return user + "-password-for-tests";
  }

  @Override
  public void close() {
    broker.close();
  }
}
