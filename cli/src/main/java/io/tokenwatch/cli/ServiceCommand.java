package io.tokenwatch.cli;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.common.config.ConfigDef;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A command that runs one Tokenwatch service against a running cluster until Ctrl-C or SIGTERM.
 * Settings come from {@code --config}, {@code TOKENWATCH_*} variables and {@code --set}; the
 * service's own declaration validates them all before anything starts.
 *
 * @param <S> the running service
 */
abstract class ServiceCommand<S extends AutoCloseable> implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin SettingsOptions settings;

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

  /**
   * Validates {@code settings} and starts the service.
   *
   * @throws org.apache.kafka.common.config.ConfigException listing every invalid setting
   */
  abstract S start(Map<String, Object> settings);

  /** The line printed once the service runs: where to reach it. */
  abstract String readyLine(S service);

  @Override
  public Integer call() throws Exception {
    Map<String, Object> resolved =
        settings.resolve(
            configDef(),
            System.getenv(),
            Map.of(
                "bootstrap.servers", bootstrapServers, "schema.registry.url", schemaRegistryUrl));
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
