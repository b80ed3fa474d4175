package io.tokenwatch.cli;

import io.tokenwatch.validator.http.ValidatorConfig;
import io.tokenwatch.validator.http.ValidatorService;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tokenwatch validator}: the validator as a forward-auth sidecar for a gateway. */
@Command(
    name = "validator",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the validator sidecar: a forward-auth endpoint for NGINX auth_request, Traefik"
          + " ForwardAuth and Envoy ext_authz, fed by the revocation topic.",
      "Settings (validator.* keys, see the README) come from --config, TOKENWATCH_* environment"
          + " variables and --set, in rising precedence."
    })
final class ValidatorCommand implements Callable<Integer> {

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

  @Override
  public Integer call() throws Exception {
    ValidatorConfig config =
        ValidatorConfig.of(
            settings.resolve(
                ValidatorConfig.configDef(),
                System.getenv(),
                Map.of(
                    ValidatorConfig.BOOTSTRAP_SERVERS, bootstrapServers,
                    ValidatorConfig.SCHEMA_REGISTRY_URL, schemaRegistryUrl)));
    return stop.run(
        signal -> {
          try (ValidatorService service = ValidatorService.start(config)) {
            PrintWriter out = spec.commandLine().getOut();
            out.printf("tokenwatch validator: url=http://localhost:%d%n", service.port());
            out.flush();
            signal.await();
          }
        });
  }
}
