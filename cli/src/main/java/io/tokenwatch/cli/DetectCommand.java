package io.tokenwatch.cli;

import io.tokenwatch.anomaly.app.AnomalyReplay;
import io.tokenwatch.anomaly.kafka.AnomalyDetectorConfig;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code tokenwatch detect --replay --from T1 --to T2 --output-topic <topic>}: backtesting, the
 * detector's topology over past traffic under its own application id.
 */
@Command(
    name = "detect",
    mixinStandardHelpOptions = true,
    description = {
      "Backtests the detection rules: runs the anomaly detector's topology over the history"
          + " from --from up to (not including) --to under its own"
          + " application id, writing alerts to --output-topic, then stops and removes its"
          + " internal topics and state. Never revokes anything.",
      "Thresholds to try are detector settings (see anomaly-detector/README.md) from --config,"
          + " TOKENWATCH_* environment variables and --set."
    })
final class DetectCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin SettingsOptions settings;

  @Mixin RegistryCredentialOption registryCredential;

  @Option(names = "--replay", required = true, description = "Replay history (required).")
  boolean replay;

  @Option(
      names = "--from",
      required = true,
      paramLabel = "TIME",
      converter = TimePoint.Converter.class,
      description =
          "Start of the range, inclusive: an ISO-8601 instant, a date (midnight UTC), an age"
              + " before now (15m, 2h, 7d), now, or epoch ms.")
  TimePoint from = new TimePoint("0");

  @Option(
      names = "--to",
      required = true,
      paramLabel = "TIME",
      converter = TimePoint.Converter.class,
      description = "End of the range, exclusive; the same forms as --from.")
  TimePoint to = new TimePoint("now");

  @Option(
      names = "--output-topic",
      required = true,
      description = "Topic the replay's alerts go to; never the live alert topic.")
  String outputTopic = "";

  @Option(
      names = "--application-id",
      description = "The replay's application id. Default: derived from the live id and the range.")
  @Nullable String applicationId;

  @Option(
      names = "--timeout",
      defaultValue = "PT30M",
      description = "Longest the replay may run (ISO-8601 duration). Default: ${DEFAULT-VALUE}.")
  String timeout = "PT30M";

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

  @Override
  public Integer call() throws Exception {
    Clock clock = Clock.systemUTC();
    Instant start = from.at(clock);
    Instant end = to.at(clock);
    if (!end.isAfter(start)) {
      throw new ParameterException(
          spec.commandLine(), "--to must be after --from (the range includes --from, not --to)");
    }
    Duration limit;
    try {
      limit = Duration.parse(timeout);
    } catch (DateTimeParseException e) {
      throw new ParameterException(spec.commandLine(), "--timeout is not a duration: " + timeout);
    }
    Map<String, Object> fallbacks = new LinkedHashMap<>(registryCredential.settings());
    fallbacks.put("bootstrap.servers", bootstrapServers);
    fallbacks.put("schema.registry.url", schemaRegistryUrl);
    Map<String, Object> resolved =
        settings.resolve(
            AnomalyDetectorConfig.configDef(),
            AnomalyDetectorConfig.deprecatedKeys(),
            System.getenv(),
            fallbacks);
    AnomalyReplay.Result result =
        AnomalyReplay.run(
            AnomalyDetectorConfig.of(resolved),
            start,
            // the replay's end is inclusive to the millisecond; the CLI's --to is exclusive
            end.minusMillis(1),
            outputTopic,
            applicationId,
            limit);
    PrintWriter out = spec.commandLine().getOut();
    out.println(
        "tokenwatch detect: replayed "
            + result.records()
            + " input records from "
            + start
            + " to "
            + end
            + " as "
            + result.applicationId()
            + " into "
            + result.outputTopic()
            + " in "
            + result.took().toMillis()
            + " ms");
    out.flush();
    return 0;
  }
}
