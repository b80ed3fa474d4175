package io.tokenwatch.cli;

import io.tokenwatch.schemas.config.DeprecatedKeys;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.kafka.common.config.ConfigDef;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A command that runs one Tokenwatch service against a running cluster until Ctrl-C or SIGTERM.
 * Settings come from {@code --config}, {@code TOKENWATCH_*} variables and {@code --set}, over the
 * cluster's addresses and the registry credential of {@code --schema-registry-credential}; the
 * service's own declaration validates them all before anything starts.
 *
 * @param <S> the running service
 */
abstract class ServiceCommand<S extends AutoCloseable> implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin SettingsOptions settings;

  @Mixin RegistryCredentialOption registryCredential;

  @Option(
      names = "--bootstrap-servers",
      defaultValue = "localhost:9092",
      description = "Kafka cluster, unless bootstrap.servers is set. Default: ${DEFAULT-VALUE}.")
  String bootstrapServers = "localhost:9092";

  @Option(
      names = "--schema-registry-url",
      defaultValue = "http://localhost:8081",
      description =
          "Schema registry, unless schema.registry.url is set. Default: ${DEFAULT-VALUE}.")
  String schemaRegistryUrl = "http://localhost:8081";

  private final StopSignal stop = new StopSignal();

  /** Every key the service declares. */
  abstract ConfigDef configDef();

  /** The old names of the service's renamed keys. */
  abstract DeprecatedKeys deprecatedKeys();

  /**
   * Validates {@code settings} and starts the service.
   *
   * @throws org.apache.kafka.common.config.ConfigException listing every invalid setting
   */
  abstract S start(Map<String, Object> settings);

  /** The line printed once the service runs: where to reach it. */
  abstract String readyLine(S service);

  /**
   * The prefix under which the service takes Kafka client settings ({@code kafka.} for the issuer,
   * {@code streams.} for a Streams app), or empty when it takes them as plain keys. Plain Kafka
   * client keys given to the command ({@code security.protocol}, {@code sasl.jaas.config}, from a
   * file, a {@code TOKENWATCH_*} variable or {@code --set}) are moved under it, so every service is
   * configured for a secured cluster the same way.
   */
  String kafkaClientPrefix() {
    return "";
  }

  /**
   * {@code settings} with plain Kafka client keys the service does not declare moved under its
   * prefix.
   */
  final Map<String, Object> withKafkaClientPrefix(Map<String, Object> settings) {
    String prefix = kafkaClientPrefix();
    if (prefix.isEmpty()) {
      return settings;
    }
    Set<String> declared = configDef().names();
    Map<String, Object> moved = new LinkedHashMap<>();
    settings.forEach(
        (key, value) -> {
          if (SettingsOptions.KAFKA_CLIENT_KEYS.contains(key) && !declared.contains(key)) {
            moved.putIfAbsent(prefix + key, value);
          } else {
            moved.put(key, value);
          }
        });
    return moved;
  }

  @Override
  public Integer call() throws Exception {
    Map<String, Object> fallbacks = new LinkedHashMap<>(registryCredential.settings());
    fallbacks.put("bootstrap.servers", bootstrapServers);
    fallbacks.put("schema.registry.url", schemaRegistryUrl);
    Map<String, Object> resolved =
        withKafkaClientPrefix(
            settings.resolve(configDef(), deprecatedKeys(), System.getenv(), fallbacks));
    return stop.run(
        signal -> {
          try (S service = start(resolved)) {
            PrintWriter out = spec.commandLine().getOut();
            out.println("tokenwatch " + spec.name() + ": " + readyLine(service));
            out.flush();
            signal.await();
          }
        });
  }

  /** Stops the command the way Ctrl-C would. */
  void requestStop() {
    stop.requestStop();
  }
}
