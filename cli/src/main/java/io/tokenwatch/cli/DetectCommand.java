package io.tokenwatch.cli;

import io.tokenwatch.anomaly.app.AnomalyReplay;
import io.tokenwatch.anomaly.kafka.AnomalyDetectorConfig;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.KafkaException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
          + " from --from up to (not including) --to (instants, dates, ages such as 24h, or now)"
          + " under an application id of its own for each run, writing alerts to --output-topic"
          + " (created with retention.ms=-1 if missing, used as it is otherwise), then prints a"
          + " summary (the window, events read, alerts by rule and severity, time taken). However"
          + " it ends (done, failed, Ctrl-C), it removes its consumer group, internal topics and"
          + " local state. Never revokes anything; a run can be repeated any number of times.",
      "Thresholds to try are detector settings (see anomaly-detector/README.md) from --config,"
          + " TOKENWATCH_* environment variables and --set."
    })
final class DetectCommand implements Callable<Integer> {

  private static final Logger log = LoggerFactory.getLogger(DetectCommand.class);

  /** How long Ctrl-C or SIGTERM waits for the replay to clean up. */
  private static final Duration STOP_WAIT = Duration.ofSeconds(90);

  private static final Duration REPORT_WAIT = Duration.ofSeconds(5);

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
      description =
          "Topic the replay's alerts go to; never a Tokenwatch topic (the live alert topic, an"
              + " input). Created with retention.ms=-1 if missing, used as it is otherwise.")
  String outputTopic = "";

  @Option(
      names = "--application-id",
      description =
          "The replay's application id, which must be unused (the replay deletes its group and"
              + " the topics it prefixes). Default: a new one per run, derived from the live id,"
              + " the range and a random run id.")
  @Nullable String applicationId;

  @Option(
      names = "--timeout",
      defaultValue = "PT30M",
      description = "Longest the replay may run (ISO-8601 duration). Default: ${DEFAULT-VALUE}.")
  String timeout = "PT30M";

  @Option(
      names = "--progress-interval",
      defaultValue = "PT10S",
      description =
          "How often a running replay reports its progress on stderr (ISO-8601 duration; PT0S for"
              + " never). Default: ${DEFAULT-VALUE}.")
  String progressInterval = "PT10S";

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
    Duration limit = duration("--timeout", timeout);
    Duration every = duration("--progress-interval", progressInterval);
    Map<String, Object> fallbacks = new LinkedHashMap<>(registryCredential.settings());
    fallbacks.put("bootstrap.servers", bootstrapServers);
    fallbacks.put("schema.registry.url", schemaRegistryUrl);
    Map<String, Object> resolved =
        settings.resolve(
            AnomalyDetectorConfig.configDef(),
            AnomalyDetectorConfig.deprecatedKeys(),
            System.getenv(),
            fallbacks);
    AnomalyReplay replay =
        AnomalyReplay.of(
            AnomalyDetectorConfig.of(resolved),
            start,
            // the replay's end is inclusive to the millisecond; the CLI's --to is exclusive
            end.minusMillis(1),
            outputTopic,
            applicationId);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    // Ctrl-C or SIGTERM: stop the replay and let it clean up before the JVM goes.
    CountDownLatch reported = new CountDownLatch(1);
    Thread stopper =
        new Thread(() -> stopOnSignal(replay, reported, err), "tokenwatch-detect-stop");
    Runtime.getRuntime().addShutdownHook(stopper);
    AnomalyReplay.Result result;
    try {
      result = replay.run(limit, every, progress -> reportProgress(err, progress));
    } catch (TimeoutException e) {
      return fail(err, e, e.getMessage() + "; stopped", 1);
    } catch (CancellationException e) {
      return fail(err, e, e.getMessage(), 130);
    } catch (IllegalStateException | KafkaException e) {
      return fail(err, e, e.getMessage(), 1);
    } finally {
      reported.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(stopper);
      } catch (IllegalStateException shuttingDown) {
        // The JVM is going: the hook runs and waits for the cleanup, which is over.
      }
    }
    printSummary(out, result);
    for (String problem : result.cleanupProblems()) {
      err.println("tokenwatch detect: could not remove " + problem);
    }
    err.flush();
    return result.cleanupProblems().isEmpty() ? 0 : 1;
  }

  private static int fail(PrintWriter err, Exception e, @Nullable String message, int code) {
    // One line for the operator (and one per thing left behind); the trace only in the log.
    log.debug("Replay failed", e);
    List<String> leftBehind =
        Arrays.stream(e.getSuppressed())
            .filter(AnomalyReplay.LeftBehind.class::isInstance)
            .map(Throwable::getMessage)
            .toList();
    err.println(
        "tokenwatch detect: "
            + message
            + (leftBehind.isEmpty() ? "; its group, internal topics and state are removed" : ""));
    for (String what : leftBehind) {
      err.println("tokenwatch detect: could not remove " + what);
    }
    err.flush();
    return code;
  }

  private static void stopOnSignal(AnomalyReplay replay, CountDownLatch reported, PrintWriter err) {
    try {
      if (replay.stop(STOP_WAIT)) {
        // The JVM halts when this hook returns: let the run's own line (stopped, or what was
        // left behind) out first.
        reported.await(REPORT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } else {
        err.println(
            "tokenwatch detect: replay "
                + replay.applicationId()
                + " did not clean up within "
                + STOP_WAIT.toSeconds()
                + " s; delete its consumer group and its topics "
                + replay.applicationId()
                + "-*");
        err.flush();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One line on stderr, once there is a window to report on. */
  static void reportProgress(PrintWriter err, AnomalyReplay.Progress progress) {
    if (progress.eventsInWindow() == 0) {
      return;
    }
    err.printf(
        Locale.ROOT,
        "tokenwatch detect: %d of %d events read (%d%%), %d alerts so far, %d s%n",
        progress.eventsRead(),
        progress.eventsInWindow(),
        progress.eventsRead() * 100 / progress.eventsInWindow(),
        progress.alerts(),
        progress.elapsed().toSeconds());
    err.flush();
  }

  /** The summary on stdout: the window, events read, alerts by rule and severity, time taken. */
  static void printSummary(PrintWriter out, AnomalyReplay.Result result) {
    out.printf(
        Locale.ROOT,
        "tokenwatch detect: replayed %s .. %s: %d events read, %d alerts, in %.1f s%n",
        result.from(),
        // the replay's end is its last millisecond; the window ends where --to said, exclusive
        result.to().plusMillis(1),
        result.records(),
        result.alertCount(),
        result.took().toMillis() / 1000.0);
    for (AnomalyReplay.AlertCount count : result.alerts()) {
      out.printf(Locale.ROOT, "  %-24s %-9s %d%n", count.rule(), count.severity(), count.count());
    }
    out.println(
        "  alerts in "
            + result.outputTopic()
            + (result.outputTopicCreated()
                ? " (created with retention.ms=-1: kept until you delete the topic)"
                : " (existing topic, used as it is)"));
    if (!result.cleanupProblems().isEmpty()) {
      out.println("  could not remove everything of " + result.applicationId() + " (see stderr)");
      out.flush();
      return;
    }
    out.println(
        "  removed "
            + result.applicationId()
            + ": its consumer group, "
            + result.internalTopicsDeleted()
            + " internal topics and its state directory "
            + result.stateDirectory());
    out.flush();
  }

  private Duration duration(String option, String value) {
    try {
      return Duration.parse(value);
    } catch (DateTimeParseException e) {
      throw new ParameterException(
          spec.commandLine(), option + " is not an ISO-8601 duration: " + value);
    }
  }
}
