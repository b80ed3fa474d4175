package io.tokenwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenwatch.issuer.policy.Policy;
import io.tokenwatch.issuer.policy.PolicyParser;
import io.tokenwatch.validator.http.TrustedProxies;
import io.tokenwatch.validator.route.RouteTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine.ParseResult;

/**
 * The compose topology in {@code docker/} cannot run where the project is built (no Docker engine),
 * so its structure is checked against the code instead: the services the topology promises, their
 * images, that every Tokenwatch command and flag exists, that every {@code TOKENWATCH_*} variable
 * names a setting the command reads and every required setting is given, and that ports, scrape
 * targets, mounts and the NGINX upstream agree.
 */
class ComposeTopologyTest {

  private static final Path DOCKER = Path.of("..", "docker");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern COMPOSE_VARIABLE = Pattern.compile("\\$\\{([A-Z0-9_]+)[^}]*}");

  private static JsonNode services;

  @BeforeAll
  static void readCompose() throws IOException {
    services = readYaml(DOCKER.resolve("compose.yaml")).path("services");
  }

  /** SnakeYAML resolves the anchors and merge keys ({@code <<: *tokenwatch}) compose uses. */
  private static JsonNode readYaml(Path file) throws IOException {
    Object document = new Yaml().load(Files.readString(file));
    return JSON.valueToTree(document);
  }

  @Test
  void shouldDefineTheProductionLikeTopology() {
    assertThat(fieldNames(services))
        .contains(
            "kafka",
            "kafka-setup",
            "schema-registry",
            "topics",
            "issuer",
            "revocation-stream-1",
            "revocation-stream-2",
            "anomaly-detector",
            "audit-sink",
            "validator",
            "nginx",
            "prometheus");
  }

  @Test
  void shouldRunTheSameKafkaVersionTheCodeIsBuiltAgainstInKraftMode() throws IOException {
    assertThat(services.path("kafka").path("image").asText())
        .isEqualTo("apache/kafka:" + AppInfoParser.getVersion());
    String server = Files.readString(DOCKER.resolve("kafka/server.properties"));
    assertThat(server)
        .contains("process.roles=broker,controller")
        .contains("authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer")
        .contains("allow.everyone.if.no.acl.found=false")
        .doesNotContain("User:ANONYMOUS");
    assertThat(services.path("schema-registry").path("image").asText())
        .startsWith("confluentinc/cp-schema-registry:");
  }

  @Test
  void shouldBuildEveryTokenwatchServiceFromTheRepositoryDockerfile() {
    for (String name : tokenwatchServices()) {
      JsonNode service = services.path(name);
      assertThat(service.path("image").asText()).as(name).isEqualTo("tokenwatch:latest");
      assertThat(service.path("build").path("dockerfile").asText())
          .as(name)
          .isEqualTo("docker/Dockerfile");
      assertThat(DOCKER.resolve("..").resolve(service.path("build").path("dockerfile").asText()))
          .exists();
    }
  }

  @Test
  void shouldGiveEveryCommandOnlyFlagsAndSettingsTheCodeDeclares() {
    for (String name : tokenwatchServices()) {
      JsonNode service = services.path(name);
      List<String> args = new ArrayList<>();
      service.path("command").forEach(arg -> args.add(arg.asText()));
      ParseResult parsed = Tokenwatch.commandLine().parseArgs(args.toArray(String[]::new));
      assertThat(parsed.hasSubcommand()).as(name + " runs a subcommand").isTrue();
      Object command = parsed.subcommand().commandSpec().userObject();

      Map<String, String> environment = environment(service);
      Set<String> known = new TreeSet<>(SettingsOptions.KAFKA_CLIENT_KEYS);
      ConfigDef definition = command instanceof ServiceCommand<?> s ? s.configDef() : null;
      if (definition != null) {
        known.addAll(definition.names());
      }
      Set<String> knownVariables = new TreeSet<>();
      known.forEach(key -> knownVariables.add(SettingsOptions.environmentVariable(key)));
      assertThat(environment.keySet())
          .as("%s: TOKENWATCH_* variables must name settings the command reads", name)
          .filteredOn(variable -> variable.startsWith("TOKENWATCH_"))
          .allMatch(knownVariables::contains);

      if (definition != null) {
        Map<String, String> fallbacks = new HashMap<>();
        fallbacks.put("bootstrap.servers", "from --bootstrap-servers");
        fallbacks.put("schema.registry.url", "from --schema-registry-url");
        for (ConfigDef.ConfigKey key : definition.configKeys().values()) {
          if (!key.hasDefault()) {
            assertThat(
                    fallbacks.containsKey(key.name)
                        || environment.containsKey(SettingsOptions.environmentVariable(key.name)))
                .as("%s must set the required %s", name, key.name)
                .isTrue();
          }
        }
      }
    }
  }

  @Test
  void shouldLogEveryTokenwatchServiceIntoKafkaAsItsOwnPrincipal() throws IOException {
    String acls = Files.readString(DOCKER.resolve("kafka-acls/tokenwatch.acl"));
    Set<String> principals = new LinkedHashSet<>();
    for (String name : tokenwatchServices()) {
      Map<String, String> environment = environment(services.path(name));
      assertThat(environment)
          .as(name)
          .containsEntry("TOKENWATCH_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
          .containsEntry("TOKENWATCH_SASL_MECHANISM", "SCRAM-SHA-512");
      Matcher user =
          Pattern.compile("username=\"([a-z-]+)\"")
              .matcher(environment.getOrDefault("TOKENWATCH_SASL_JAAS_CONFIG", ""));
      assertThat(user.find()).as(name + " has a SCRAM login").isTrue();
      principals.add(user.group(1));
    }
    principals.remove("admin");
    assertThat(principals)
        .containsExactlyInAnyOrder(
            "tokenwatch-issuer",
            "tokenwatch-revocation-stream",
            "tokenwatch-anomaly-detector",
            "tokenwatch-audit-sink",
            "tokenwatch-validator");
    String setup = Files.readString(DOCKER.resolve("kafka/setup.sh"));
    for (String principal : principals) {
      assertThat(acls)
          .as("tokenwatch.acl grants " + principal)
          .containsPattern("(?m)^User:" + principal + " ");
      assertThat(setup).as("setup.sh creates the login of " + principal).contains(principal);
    }
  }

  @Test
  void shouldDocumentEverySecretTheComposeFileNeeds() throws IOException {
    String compose = Files.readString(DOCKER.resolve("compose.yaml"));
    String example = Files.readString(DOCKER.resolve("env.example"));
    Matcher variable = COMPOSE_VARIABLE.matcher(compose);
    while (variable.find()) {
      assertThat(example).as(variable.group(1)).containsPattern("(?m)^" + variable.group(1) + "=");
    }
  }

  @Test
  void shouldScrapeEveryTokenwatchHttpServiceAndPublishDistinctPorts() throws IOException {
    JsonNode prometheus = readYaml(DOCKER.resolve("prometheus/prometheus.yml"));
    Set<String> targets = new TreeSet<>();
    prometheus
        .path("scrape_configs")
        .forEach(
            job ->
                job.path("static_configs")
                    .forEach(c -> c.path("targets").forEach(t -> targets.add(t.asText()))));
    Map<String, String> expected = new LinkedHashMap<>();
    for (String name : tokenwatchServices()) {
      environment(services.path(name))
          .forEach(
              (variable, value) -> {
                if (variable.endsWith("_HTTP_PORT")) {
                  expected.put(name, name + ":" + value);
                }
              });
    }
    assertThat(expected.keySet())
        .contains(
            "issuer",
            "revocation-stream-1",
            "revocation-stream-2",
            "anomaly-detector",
            "audit-sink",
            "validator");
    assertThat(targets).containsAll(expected.values());

    Set<String> published = new TreeSet<>();
    services.forEach(
        service ->
            service
                .path("ports")
                .forEach(
                    port ->
                        assertThat(published.add(port.asText().split(":")[0]))
                            .as("host port " + port.asText() + " published once")
                            .isTrue()));
  }

  /** The services bind loopback by default; in a container each must say 0.0.0.0 itself. */
  @Test
  void shouldBindEveryServiceToEveryInterfaceOfItsContainer() {
    for (String name : tokenwatchServices()) {
      JsonNode service = services.path(name);
      List<String> args = new ArrayList<>();
      service.path("command").forEach(arg -> args.add(arg.asText()));
      Object command =
          Tokenwatch.commandLine()
              .parseArgs(args.toArray(String[]::new))
              .subcommand()
              .commandSpec()
              .userObject();
      if (!(command instanceof ServiceCommand<?> serviceCommand)) {
        continue;
      }
      for (String key : serviceCommand.configDef().names()) {
        if (key.endsWith(".http.host")) {
          assertThat(environment(service))
              .as("%s sets %s", name, key)
              .containsEntry(SettingsOptions.environmentVariable(key), "0.0.0.0");
        }
      }
    }
  }

  /** Only NGINX may tell the sidecar what the original request was; its routes parse. */
  @Test
  void shouldLetOnlyNginxVouchForTheRequestsTheSidecarJudges() {
    Map<String, String> validator = environment(services.path("validator"));
    String nginx =
        services.path("nginx").path("networks").path("default").path("ipv4_address").asText();
    assertThat(nginx).isNotBlank();
    TrustedProxies trusted =
        TrustedProxies.parse(
            List.of(validator.get("TOKENWATCH_VALIDATOR_HTTP_TRUSTED_PROXIES").split(",")));
    assertThat(trusted.trusts(nginx)).isTrue();
    assertThat(trusted.trusts(nginx.substring(0, nginx.lastIndexOf('.')) + ".2")).isFalse();
    assertThat(trusted.trusts("127.0.0.1")).isFalse();

    RouteTable routes = RouteTable.parse(validator.get("TOKENWATCH_VALIDATOR_HTTP_ROUTES"));
    assertThat(routes.decide(Set.of("GET"), "/orders/export"))
        .isInstanceOfSatisfying(
            RouteTable.Required.class,
            required ->
                assertThat(required.scopes())
                    .containsExactlyInAnyOrder("orders:export", "orders:read"));
    assertThat(routes.decide(Set.of("GET"), "/elsewhere")).isInstanceOf(RouteTable.Refused.class);
  }

  @Test
  void shouldPointNginxAtTheValidatorSidecar() throws IOException {
    String nginx = Files.readString(DOCKER.resolve("nginx/nginx.conf"));
    String port = environment(services.path("validator")).get("TOKENWATCH_VALIDATOR_HTTP_PORT");
    assertThat(nginx).contains("server validator:" + port + ";").contains("auth_request");
  }

  @Test
  void shouldMountFilesThatExist() {
    services.forEach(
        service ->
            service
                .path("volumes")
                .forEach(
                    volume -> {
                      String source = volume.asText().split(":")[0];
                      if (source.startsWith(".")) {
                        assertThat(DOCKER.resolve(source)).as(volume.asText()).exists();
                      }
                    }));
  }

  @Test
  void shouldShipAPolicyTheIssuerAcceptsForTheValidatorsAudience() throws IOException {
    Policy policy =
        new PolicyParser(Duration.ofHours(24), "http://issuer:9400")
            .parse(Files.readAllBytes(DOCKER.resolve("policy.yaml")));
    String audience = environment(services.path("validator")).get("TOKENWATCH_VALIDATOR_AUDIENCE");
    assertThat(policy.clients().values())
        .anySatisfy(client -> assertThat(client.audiences()).containsKey(audience));
  }

  private static List<String> tokenwatchServices() {
    List<String> names = new ArrayList<>();
    services
        .properties()
        .forEach(
            entry -> {
              if (entry.getValue().path("image").asText().startsWith("tokenwatch:")) {
                names.add(entry.getKey());
              }
            });
    assertThat(names).isNotEmpty();
    return names;
  }

  private static Map<String, String> environment(JsonNode service) {
    Map<String, String> environment = new LinkedHashMap<>();
    service
        .path("environment")
        .properties()
        .forEach(entry -> environment.put(entry.getKey(), entry.getValue().asText()));
    return environment;
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
