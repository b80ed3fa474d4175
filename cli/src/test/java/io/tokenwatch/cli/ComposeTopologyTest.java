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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.Uuid;
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
  private static final Path COMPOSE = DOCKER.resolve("compose.yaml");
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
  void shouldBuildEveryTokenwatchServiceFromAStageOfTheRepositoryDockerfile() throws IOException {
    Map<String, Stage> stages = dockerfileStages();
    Map<String, String> imageOfTarget = new HashMap<>();
    for (String name : tokenwatchServices()) {
      JsonNode service = services.path(name);
      assertThat(DOCKER.resolve("..").resolve(service.path("build").path("dockerfile").asText()))
          .exists();
      String target = service.path("build").path("target").asText();
      assertThat(stages).as("%s builds a stage of the Dockerfile", name).containsKey(target);
      String image = service.path("image").asText();
      assertThat(imageOfTarget.putIfAbsent(target, image))
          .as("one image name per target: " + name)
          .isIn(null, image);
    }
    assertThat(new HashSet<>(imageOfTarget.values()))
        .as("one target per image name")
        .hasSameSizeAs(imageOfTarget.keySet());
    assertThat(imageOfTarget).containsEntry("platform", "tokenwatch:latest");
  }

  /**
   * A named volume mounted on a directory the image lacks is created owned by root, and the image's
   * unprivileged user cannot write its keys, Streams state or DuckDB store there.
   */
  @Test
  void shouldCreateEveryVolumeMountPointOwnedByTheImagesUser() throws IOException {
    Map<String, Stage> stages = dockerfileStages();
    Set<String> namedVolumes = new TreeSet<>(fieldNames(readYaml(COMPOSE).path("volumes")));
    int checked = 0;
    for (String name : tokenwatchServices()) {
      JsonNode service = services.path(name);
      List<Stage> chain = chain(stages, service.path("build").path("target").asText());
      String user =
          chain.stream().map(Stage::user).filter(u -> !u.isEmpty()).reduce("", (a, b) -> b);
      assertThat(user)
          .as("%s runs as an unprivileged user", name)
          .isNotEmpty()
          .isNotEqualTo("root");
      for (JsonNode volume : service.path("volumes")) {
        String[] parts = volume.asText().split(":");
        if (!namedVolumes.contains(parts[0])) {
          continue;
        }
        String mount = parts[1];
        List<List<String>> commands =
            chain.stream().flatMap(stage -> stage.runCommands().stream()).toList();
        assertThat(commands)
            .as("%s: the image creates %s (volume %s)", name, mount, parts[0])
            .anyMatch(command -> command.get(0).equals("mkdir") && command.contains(mount));
        assertThat(commands)
            .as("%s: %s belongs to %s", name, mount, user)
            .anyMatch(command -> chownsTo(command, user, mount));
        checked++;
      }
    }
    assertThat(checked).as("named volumes on Tokenwatch services").isPositive();
  }

  @Test
  void shouldCheckEveryLongRunningTokenwatchServiceOnItsOwnReadyEndpoint() throws IOException {
    Map<String, Stage> stages = dockerfileStages();
    for (String name : tokenwatchServices()) {
      JsonNode service = services.path(name);
      if (service.path("restart").asText().equals("no")) {
        continue; // a one-shot job: done when it exits
      }
      String port =
          environment(service).entrySet().stream()
              .filter(e -> e.getKey().endsWith("_HTTP_PORT"))
              .map(Map.Entry::getValue)
              .findFirst()
              .orElseThrow();
      List<String> test = new ArrayList<>();
      service.path("healthcheck").path("test").forEach(arg -> test.add(arg.asText()));
      assertThat(test).as("%s has a healthcheck", name).isNotEmpty();
      assertThat(String.join(" ", test)).as(name).contains("http://localhost:" + port + "/ready");
      String tool = test.get(0).equals("CMD") ? test.get(1) : test.get(1).split(" ")[0];
      List<Stage> chain = chain(stages, service.path("build").path("target").asText());
      assertThat(chain.stream().flatMap(stage -> stage.runCommands().stream()))
          .as("%s: the image installs %s, which its healthcheck runs", name, tool)
          .anyMatch(
              command ->
                  command.size() > 2
                      && command.get(0).equals("apt-get")
                      && command.contains("install")
                      && command.contains(tool));
    }
  }

  /** Whatever needs a Tokenwatch service running starts once it is ready, not merely started. */
  @Test
  void shouldStartWhatNeedsATokenwatchServiceOnlyOnceThatServiceIsHealthy() {
    Set<String> checked = new TreeSet<>();
    services
        .properties()
        .forEach(
            entry ->
                entry
                    .getValue()
                    .path("depends_on")
                    .properties()
                    .forEach(
                        dependency -> {
                          JsonNode on = services.path(dependency.getKey());
                          if (on.has("healthcheck")) {
                            assertThat(dependency.getValue().path("condition").asText())
                                .as("%s waits for %s", entry.getKey(), dependency.getKey())
                                .isEqualTo("service_healthy");
                            checked.add(entry.getKey() + "->" + dependency.getKey());
                          }
                        }));
    assertThat(checked).contains("validator->issuer", "nginx->validator");
  }

  /** The build context goes to the Docker engine whole: no build output, history or keys. */
  @Test
  void shouldKeepBuildOutputHistoryAndLocalStateOutOfTheBuildContext() throws IOException {
    Path context = DOCKER.resolve(services.path("issuer").path("build").path("context").asText());
    Path ignoreFile = context.resolve(".dockerignore");
    assertThat(ignoreFile).exists();
    DockerIgnore ignore = new DockerIgnore(Files.readAllLines(ignoreFile));
    assertThat(
            List.of(
                ".git/config",
                "target/classes/A.class",
                "cli/target/lib/duckdb_jdbc.jar",
                "issuer/target/classes/sample-policy.yaml",
                "data/issuer/signing-keys.json",
                "data/introspection.secret",
                "console/node_modules/x/index.js",
                ".idea/workspace.xml",
                "docker/.env"))
        .allMatch(ignore::excludes);
    assertThat(
            List.of(
                "pom.xml",
                "cli/pom.xml",
                "cli/src/main/java/io/tokenwatch/cli/Tokenwatch.java",
                "issuer/src/main/resources/sample-policy.yaml",
                "schemas/src/main/avro/TokenIssued.avsc",
                "docker/Dockerfile"))
        .noneMatch(ignore::excludes);
  }

  @Test
  void shouldShowAClusterIdKafkaStorageFormatAccepts() throws IOException {
    Matcher id =
        Pattern.compile("(?m)^KAFKA_CLUSTER_ID=(.*)$")
            .matcher(Files.readString(DOCKER.resolve("env.example")));
    assertThat(id.find()).isTrue();
    assertThat(id.group(1)).hasSize(22);
    assertThat(Base64.getUrlDecoder().decode(id.group(1))).hasSize(16);
    assertThat(Uuid.fromString(id.group(1)).toString()).isEqualTo(id.group(1));
  }

  /**
   * The sidecar's image target copies the validator sidecar's runtime classpath and a few named
   * jars, never the whole CLI lib, and nothing on that classpath pulls DuckDB, RocksDB, the broker
   * or Scala.
   */
  @Test
  void shouldBuildTheSidecarImageWithoutDuckDbRocksDbOrTheBroker() throws IOException {
    Map<String, Stage> stages = dockerfileStages();
    String target = services.path("validator").path("build").path("target").asText();
    List<Stage> chain = chain(stages, target);
    assertThat(chain.get(chain.size() - 1).entrypoint())
        .contains(SidecarImage.class.getName())
        .doesNotContain(Tokenwatch.class.getName() + "\"");
    List<String> copied =
        chain.stream().flatMap(stage -> stage.copiedFromBuild().stream()).toList();
    assertThat(copied).isNotEmpty().noneMatch(source -> source.contains("cli/target/lib"));
    Set<String> libSources = new TreeSet<>();
    for (Stage stage : stages.values()) {
      for (List<String> command : stage.runCommands()) {
        if (command.get(0).equals("cp")
            && copied.stream()
                .anyMatch(source -> command.get(command.size() - 1).startsWith(source))) {
          libSources.addAll(command.subList(1, command.size() - 1));
        }
      }
    }
    assertThat(libSources).as("what the sidecar's lib is assembled from").isNotEmpty();
    Pattern heavy =
        Pattern.compile("duckdb|rocksdb|kafka_2|kafka-server|kafka-storage|scala|/\\*(\\.jar)?$");
    for (String source : libSources) {
      if (source.startsWith("validator-sidecar/target/")) {
        continue; // the module's own jar and its runtime dependencies, checked below
      }
      assertThat(source)
          .as("a named jar")
          .doesNotContainPattern(heavy)
          .startsWith("cli/target/lib/");
    }
    assertThat(libSources).contains("validator-sidecar/target/dependency/*.jar");
    // The module's runtime closure among Tokenwatch's own modules, and what they declare.
    Set<String> heavyArtifacts =
        Set.of(
            "duckdb_jdbc",
            "rocksdbjni",
            "kafka_2.13",
            "kafka-server",
            "scala-library",
            "kafka-streams");
    Deque<String> modules = new ArrayDeque<>(List.of("validator-sidecar"));
    Set<String> seen = new TreeSet<>();
    while (!modules.isEmpty()) {
      String module = modules.pop();
      if (!seen.add(module)) {
        continue;
      }
      for (String artifact :
          runtimeDependencies(
              DOCKER.resolve("..").resolve(module).resolve("pom.xml"),
              module.equals("validator-sidecar"))) {
        assertThat(heavyArtifacts).as(module + " depends on " + artifact).doesNotContain(artifact);
        if (artifact.startsWith("tokenwatch-")) {
          modules.push(artifact.substring("tokenwatch-".length()));
        }
      }
    }
    assertThat(seen).contains("validator-sidecar", "validator", "schemas");
  }

  /**
   * The artifact ids a POM depends on outside the test scope; optional ones only for the module
   * itself, since they do not reach the modules depending on it.
   */
  private static List<String> runtimeDependencies(Path pom, boolean withOptional)
      throws IOException {
    String text = Files.readString(pom);
    int start = text.indexOf("<dependencies>");
    int end = text.indexOf("</dependencies>");
    List<String> artifacts = new ArrayList<>();
    if (start < 0) {
      return artifacts;
    }
    Matcher dependency =
        Pattern.compile("<dependency>(.*?)</dependency>", Pattern.DOTALL)
            .matcher(text.substring(start, end));
    while (dependency.find()) {
      String body = dependency.group(1);
      if (body.contains("<scope>test</scope>")
          || body.contains("<scope>provided</scope>")
          || (!withOptional && body.contains("<optional>true</optional>"))) {
        continue;
      }
      Matcher artifact = Pattern.compile("<artifactId>([^<]+)</artifactId>").matcher(body);
      if (artifact.find()) {
        artifacts.add(artifact.group(1));
      }
    }
    return artifacts;
  }

  /**
   * One stage of the Dockerfile.
   *
   * @param from the image or stage it starts from
   * @param runCommands the commands of its RUN instructions, split at {@code &&}, as words
   * @param copiedFromBuild the sources of its {@code COPY --from=build} instructions
   */
  private record Stage(
      String from,
      List<List<String>> runCommands,
      List<String> copiedFromBuild,
      String user,
      String entrypoint) {}

  private static Map<String, Stage> dockerfileStages() throws IOException {
    String text = Files.readString(DOCKER.resolve("Dockerfile")).replaceAll("\\\\\n", " ");
    Map<String, Stage> stages = new LinkedHashMap<>();
    String name = null;
    String from = "";
    List<List<String>> runs = new ArrayList<>();
    List<String> copies = new ArrayList<>();
    String user = "";
    String entrypoint = "";
    for (String line : (text + "\nFROM end AS end").lines().toList()) {
      String[] words = line.strip().split("\\s+");
      if (line.isBlank() || line.strip().startsWith("#")) {
        continue;
      }
      switch (words[0]) {
        case "FROM" -> {
          if (name != null) {
            stages.put(name, new Stage(from, runs, copies, user, entrypoint));
          }
          from = words[1];
          name = words.length > 3 ? words[3] : words[1];
          runs = new ArrayList<>();
          copies = new ArrayList<>();
          user = "";
          entrypoint = "";
        }
        case "RUN" -> {
          for (String command : line.strip().substring(3).split("&&")) {
            List<String> commandWords = List.of(command.strip().split("\\s+"));
            if (!commandWords.get(0).isEmpty()) {
              runs.add(commandWords);
            }
          }
        }
        case "COPY" -> {
          if (words[1].equals("--from=build")) {
            copies.addAll(List.of(words).subList(2, words.length - 1));
          }
        }
        case "USER" -> user = words[1];
        case "ENTRYPOINT" -> entrypoint = line;
        default -> {}
      }
    }
    return stages;
  }

  /** A stage and the stages it starts from, the first first. */
  private static List<Stage> chain(Map<String, Stage> stages, String target) {
    List<Stage> chain = new ArrayList<>();
    for (Stage stage = stages.get(target); stage != null; stage = stages.get(stage.from())) {
      chain.add(0, stage);
    }
    assertThat(chain).as("stage " + target).isNotEmpty();
    return chain;
  }

  /**
   * Whether {@code command} gives {@code path} (itself, or recursively a parent) to {@code user}.
   */
  private static boolean chownsTo(List<String> command, String user, String path) {
    if (!command.get(0).equals("chown") || command.size() < 3) {
      return false;
    }
    boolean recursive = command.contains("-R");
    List<String> operands = command.stream().skip(1).filter(word -> !word.startsWith("-")).toList();
    String owner = operands.get(0).split(":")[0];
    if (!owner.equals(user)) {
      return false;
    }
    return operands.stream()
        .skip(1)
        .anyMatch(target -> target.equals(path) || (recursive && path.startsWith(target + "/")));
  }

  /**
   * Docker's {@code .dockerignore} rules, as far as this file uses them: {@code *}, {@code **} and
   * {@code ?}, paths relative to the context, a path excluded when it or a parent matches, later
   * {@code !} lines re-including.
   */
  private static final class DockerIgnore {
    private final List<Map.Entry<Pattern, Boolean>> rules = new ArrayList<>();

    DockerIgnore(List<String> lines) {
      for (String line : lines) {
        String rule = line.strip();
        if (rule.isEmpty() || rule.startsWith("#")) {
          continue;
        }
        boolean exclude = !rule.startsWith("!");
        rule = rule.replaceFirst("^!", "").replaceFirst("^/", "").replaceFirst("/$", "");
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < rule.length(); i++) {
          char c = rule.charAt(i);
          if (rule.startsWith("**/", i)) {
            regex.append("(.*/)?");
            i += 2;
          } else if (rule.startsWith("**", i)) {
            regex.append(".*");
            i++;
          } else if (c == '*') {
            regex.append("[^/]*");
          } else if (c == '?') {
            regex.append("[^/]");
          } else {
            regex.append(Pattern.quote(String.valueOf(c)));
          }
        }
        rules.add(Map.entry(Pattern.compile(regex.toString()), exclude));
      }
    }

    boolean excludes(String path) {
      boolean excluded = false;
      for (Map.Entry<Pattern, Boolean> rule : rules) {
        String prefix = "";
        for (String part : path.split("/")) {
          prefix = prefix.isEmpty() ? part : prefix + "/" + part;
          if (rule.getKey().matcher(prefix).matches()) {
            excluded = rule.getValue();
            break;
          }
        }
      }
      return excluded;
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

  /** The services built from the repository's Dockerfile. */
  private static List<String> tokenwatchServices() {
    List<String> names = new ArrayList<>();
    services
        .properties()
        .forEach(
            entry -> {
              if (entry
                  .getValue()
                  .path("build")
                  .path("dockerfile")
                  .asText()
                  .equals("docker/Dockerfile")) {
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
