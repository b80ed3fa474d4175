package io.tokenwatch.cli;

import io.tokenwatch.cli.demo.Demo;
import io.tokenwatch.cli.demo.DemoPolicy;
import io.tokenwatch.cli.demo.IdentityProvider;
import io.tokenwatch.cli.demo.Narrator;
import io.tokenwatch.embedded.EmbeddedPlatform;
import io.tokenwatch.validator.http.ValidatorService;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code tokenwatch demo}: the whole pipeline on this machine, under simulated traffic. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Starts everything in this process (a real Kafka broker, the schema registry, the issuer,"
          + " the revocation stream and three validator gateways) and drives simulated clients"
          + " through it: normal traffic with a stolen token replayed from an unfamiliar client,"
          + " a scope escalation attempt, a use-limited token exhausted, a refresh token reused,"
          + " a delegated token whose parent is revoked and an admin revoking a subject hidden in"
          + " it. Narrates what happens and ends with a summary.",
      "Exits 0 only if every scripted attack was detected and every revoked token was denied."
    })
final class DemoCommand implements Callable<Integer> {

  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m)");

  @Spec CommandSpec spec;

  @Option(
      names = "--duration",
      defaultValue = "60s",
      converter = DurationConverter.class,
      description = "How long the traffic runs, e.g. 45s or 2m (at least 30s). Default: 60s.")
  Duration duration = Duration.ofSeconds(60);

  @Option(
      names = "--rate",
      defaultValue = "40",
      description = "Calls per second of the normal traffic (1 to 2000). Default: 40.")
  double rate = 40;

  @Option(
      names = "--keep-running",
      description = "Keep the platform running after the summary, until Ctrl-C.")
  boolean keepRunning;

  @Option(
      names = "--bind",
      defaultValue = PlatformServices.DEFAULT_BIND,
      description =
          "Address every service's HTTP server listens on: an IP address (0.0.0.0 for every"
              + " interface) or localhost. The broker and the schema registry stay on loopback."
              + " Default: ${DEFAULT-VALUE}.")
  String bind = PlatformServices.DEFAULT_BIND;

  @Option(
      names = "--data-dir",
      description =
          "Where the run keeps its state. Default: a fresh temporary directory, removed"
              + " at the end unless --keep-running.")
  @Nullable Path dataDir;

  private final StopSignal stop = new StopSignal();

  @Override
  public Integer call() throws Exception {
    if (duration.compareTo(Duration.ofSeconds(30)) < 0) {
      throw new ParameterException(spec.commandLine(), "--duration must be at least 30s");
    }
    if (!(rate >= 1 && rate <= 2000)) {
      throw new ParameterException(spec.commandLine(), "--rate must be between 1 and 2000");
    }
    if (!PlatformServices.isAddress(bind)) {
      throw new ParameterException(
          spec.commandLine(), "--bind must be an IP address or localhost, not " + bind);
    }
    Path dir = dataDir != null ? dataDir : Files.createTempDirectory("tokenwatch-demo");
    boolean removeAfter = dataDir == null && !keepRunning;
    try {
      int[] status = {1};
      stop.run(signal -> status[0] = run(dir, signal));
      return status[0];
    } finally {
      if (removeAfter) {
        deleteRecursively(dir);
      }
    }
  }

  private int run(Path dir, StopSignal signal) throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    long started = System.nanoTime();
    Narrator narrator = new Narrator(out, started);
    narrator.line("Tokenwatch demo: starting the platform in " + dir);
    try (EmbeddedPlatform platform = EmbeddedPlatform.builder(dir).build()) {
      platform.start();
      ClusterOptions.Cluster cluster = ClusterOptions.embedded(platform, dir, false);
      Topics.ensure(cluster, Map.of());
      int issuerPort = FreePort.find();
      String host = PlatformServices.urlHost(bind);
      String issuerUrl = "http://" + host + ":" + issuerPort;
      DemoPolicy policy = DemoPolicy.write(dir.resolve("policy.yaml"), issuerUrl);
      try (IdentityProvider provider = IdentityProvider.start();
          PlatformServices services =
              PlatformServices.start(
                  cluster,
                  dir,
                  new PlatformServices.Ports(issuerPort, 0, 0, 0, 0, 0, 0),
                  bind,
                  Demo.DETECTOR_SETTINGS,
                  Demo.signalsSettings(provider),
                  policy.secret(DemoPolicy.ADMIN))) {
        services.startValidator("demo-gateway-2", 0);
        services.startValidator("demo-gateway-3", 0);
        List<ValidatorService> validators = services.validators();
        Map<String, String> endpoints = new LinkedHashMap<>();
        endpoints.put("bootstrap.servers", platform.bootstrapServers());
        endpoints.put(
            "schema registry",
            platform.schemaRegistryUrl()
                + "/subjects (changes need the credential in "
                + platform.registryCredentialFile()
                + ")");
        services.endpoints().forEach(endpoints::put);
        endpoints.remove("validator"); // gateway-1 below
        // The clients' secrets are random per run: without this file, nobody could use the
        // endpoints above once the demo leaves them running.
        Path credentials = policy.writeCredentials(dir, issuerUrl);
        endpoints.put(
            "demo clients",
            credentials
                + " (owner-only: every client's secret, the token endpoint, admin and audit"
                + " token commands)");
        for (int i = 0; i < validators.size(); i++) {
          endpoints.put(
              "gateway-" + (i + 1),
              services.url(validators.get(i).port()) + "/auth (metrics at /metrics)");
        }
        narrator.say(
            "STARTED",
            String.format(
                Locale.ROOT,
                "broker %s, registry %s, issuer http://localhost:%d, %d validators, console %s",
                platform.bootstrapServers(),
                platform.schemaRegistryUrl(),
                issuerPort,
                validators.size(),
                services.consoleUrl()));
        int status =
            Demo.run(
                new Demo.Platform(
                    host,
                    issuerUrl,
                    policy,
                    validators,
                    platform.bootstrapServers(),
                    platform.schemaRegistryUrl(),
                    services.auditUrl(),
                    services.signalsUrl(),
                    provider,
                    DemoPeople.passwords(dir),
                    endpoints),
                new Demo.Options(duration, rate),
                narrator);
        if (keepRunning) {
          narrator.line(
              "Still running (--keep-running); Ctrl-C stops it. State in "
                  + dir
                  + "; client secrets in "
                  + credentials);
          signal.await();
        }
        return status;
      }
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  /** Stops the command the way Ctrl-C would. */
  void requestStop() {
    stop.requestStop();
  }

  /** Reads {@code 500ms}, {@code 45s} or {@code 2m}. */
  static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      Matcher matcher = DURATION.matcher(value.trim());
      if (!matcher.matches()) {
        throw new IllegalArgumentException("expected a duration like 45s or 2m, got " + value);
      }
      long amount = Long.parseLong(matcher.group(1));
      return switch (matcher.group(2)) {
        case "ms" -> Duration.ofMillis(amount);
        case "s" -> Duration.ofSeconds(amount);
        default -> Duration.ofMinutes(amount);
      };
    }
  }
}
