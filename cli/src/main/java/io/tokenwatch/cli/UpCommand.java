package io.tokenwatch.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code tokenwatch up}: runs the platform until Ctrl-C or SIGTERM, then shuts it down cleanly. */
@Command(
    name = "up",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the Tokenwatch platform on this machine until Ctrl-C or SIGTERM: the revocation"
          + " stream (--introspection-port), the anomaly detector (--anomaly-port), the issuer"
          + " (--issuer-port) with an editable copy of the sample policy, a validator sidecar"
          + " (--validator-port), the audit sink (--audit-port), the console (--console-port) and the Shared Signals service (--signals-port), each listening on --bind"
          + " (loopback unless told otherwise).",
      "Without --bootstrap-servers/--schema-registry-url it also starts a real Kafka broker"
          + " (KRaft, --kafka-port) and a schema registry (--registry-port) in this process."
          + " With --brokers 3 it starts three broker JVMs instead (free ports, each listed with"
          + " its pid). State lives in --data-dir.",
      "Every port is checked before anything starts: a port in use is named, with the option"
          + " that sets it, and up exits 1.",
      "Prints one line a script can parse:",
      "  tokenwatch up: bootstrap.servers=<host:port> schema.registry.url=<url> ..."
    })
final class UpCommand implements Callable<Integer> {

  private static final Logger log = LoggerFactory.getLogger(UpCommand.class);

  @Spec CommandSpec spec;

  @Mixin ClusterOptions clusterOptions;

  @Option(
      names = "--issuer-port",
      defaultValue = "9400",
      description = "Port of the issuer; 0 picks a free one. Default: ${DEFAULT-VALUE}.")
  int issuerPort = 9400;

  @Option(
      names = "--introspection-port",
      defaultValue = "8092",
      description =
          "Port of the revocation stream's HTTP server (introspection, metrics); 0 picks a free"
              + " one. Default: ${DEFAULT-VALUE}.")
  int introspectionPort = 8092;

  @Option(
      names = "--anomaly-port",
      defaultValue = "8094",
      description =
          "Port of the anomaly detector's HTTP server (health, readiness, metrics); 0 picks a free"
              + " one. Default: ${DEFAULT-VALUE}.")
  int anomalyPort = 8094;

  @Option(
      names = "--validator-port",
      defaultValue = "8089",
      description = "Port of the validator sidecar; 0 picks a free one. Default: ${DEFAULT-VALUE}.")
  int validatorPort = 8089;

  @Option(
      names = "--audit-port",
      defaultValue = "8095",
      description =
          "Port of the audit sink's HTTP server (query API, metrics); 0 picks a free one."
              + " Default: ${DEFAULT-VALUE}.")
  int auditPort = 8095;

  @Option(
      names = "--console-port",
      defaultValue = "9500",
      description = "Port of the web console; 0 picks a free one. Default: ${DEFAULT-VALUE}.")
  int consolePort = 9500;

  @Option(
      names = "--signals-port",
      defaultValue = "8096",
      description =
          "Port of the Shared Signals service (SSF metadata, stream management, polling); 0"
              + " picks a free one. Default: ${DEFAULT-VALUE}.")
  int signalsPort = 8096;

  @Option(
      names = "--bind",
      defaultValue = PlatformServices.DEFAULT_BIND,
      description =
          "Address every service's HTTP server listens on: an IP address (0.0.0.0 for every"
              + " interface) or localhost. The embedded broker and schema registry stay on"
              + " loopback. Default: ${DEFAULT-VALUE}.")
  String bind = PlatformServices.DEFAULT_BIND;

  @Option(
      names = "--signals-config",
      paramLabel = "FILE",
      description =
          "Properties file with settings for the Shared Signals service over up's own (see"
              + " shared-signals/README.md): signals.receiver.* makes Tokenwatch the receiver of an"
              + " identity provider's Shared Signals.")
  @org.jspecify.annotations.Nullable
  Path signalsConfig;

  @Option(
      names = "--ready-timeout",
      defaultValue = "120",
      description =
          "Seconds to wait for every service to be ready before reporting which is not."
              + " Default: ${DEFAULT-VALUE}.")
  int readyTimeoutSeconds = 120;

  @Option(
      names = "--brokers",
      defaultValue = "1",
      description =
          "Number of embedded Kafka brokers: 1 runs in this process on --kafka-port; more (up to"
              + " 9) run as a KRaft cluster, one JVM per broker on free ports, every topic"
              + " replicated three times with min.insync.replicas=2. Each broker's pid and port is"
              + " listed, to kill -9 one and watch failover. Default: ${DEFAULT-VALUE}.")
  int brokers = 1;

  @Option(
      names = "--platform-only",
      description = "Run only the broker and the schema registry, none of the services.")
  boolean platformOnly;

  private final StopSignal stop = new StopSignal();

  @Override
  public Integer call() throws Exception {
    if (!PlatformServices.isAddress(bind)) {
      throw new ParameterException(
          spec.commandLine(), "--bind must be an IP address or localhost, not " + bind);
    }
    Optional<String> portProblem = listenPorts().problem();
    if (portProblem.isPresent()) {
      spec.commandLine().getErr().println("tokenwatch up: " + portProblem.get());
      return 1;
    }
    Map<String, Object> signalsSettings;
    try {
      signalsSettings =
          signalsConfig == null
              ? Map.of()
              : new java.util.LinkedHashMap<>(SettingsOptions.readFile(signalsConfig));
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("tokenwatch up: --signals-config: " + e.getMessage());
      return 1;
    }
    long started = System.nanoTime();
    return stop.run(
        signal -> {
          try (ClusterOptions.Cluster cluster = clusterOptions.open(brokers)) {
            Topics.ensure(cluster, Map.of());
            Path dataDir = clusterOptions.dataDir.toAbsolutePath().normalize();
            try (PlatformServices services =
                platformOnly
                    ? null
                    : PlatformServices.start(cluster, dataDir, ports(), bind, signalsSettings)) {
              // Nothing is reported ready before every service is: after a crash, the streams
              // apps may still be taking their partitions back.
              Map<String, String> notReady =
                  services == null
                      ? Map.of()
                      : services.awaitReady(Duration.ofSeconds(readyTimeoutSeconds));
              PrintWriter out = spec.commandLine().getOut();
              out.printf(
                  "tokenwatch up: bootstrap.servers=%s schema.registry.url=%s data.dir=%s%n",
                  cluster.bootstrapServers(), cluster.schemaRegistryUrl(), dataDir);
              cluster
                  .brokerCluster()
                  .ifPresent(
                      brokerCluster ->
                          brokerCluster.nodeIds().stream()
                              .sorted()
                              .forEach(
                                  node ->
                                      out.printf(
                                          "  %-14s localhost:%d (pid %s, log %s)%n",
                                          "broker-" + node + ":",
                                          brokerCluster.brokerPort(node),
                                          brokerCluster.pid(node).isPresent()
                                              ? Integer.toString(brokerCluster.pid(node).getAsInt())
                                              : "not running",
                                          brokerCluster.logFile(node))));
              cluster
                  .registryCredentialFile()
                  .ifPresent(
                      file ->
                          out.printf(
                              "  %-14s %s (reads open; changes need basic auth, user:password in"
                                  + " %s)%n",
                              "registry:", cluster.schemaRegistryUrl(), file));
              if (services != null) {
                services
                    .endpoints()
                    .forEach((name, url) -> out.printf("  %-14s %s%n", name + ":", url));
              }
              if (!notReady.isEmpty()) {
                out.printf(
                    "  NOT READY after %d s: %s%n",
                    readyTimeoutSeconds,
                    String.join(
                        "; ",
                        notReady.entrySet().stream()
                            .map(e -> e.getKey() + " (" + e.getValue() + ")")
                            .toList()));
              }
              out.flush();
              if (notReady.isEmpty()) {
                log.info(
                    "Ready in {} ms; Ctrl-C or SIGTERM stops it",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
              } else {
                log.warn("Not ready: {}; /ready on each service tells when it is", notReady);
              }
              signal.await();
            }
          }
        });
  }

  /** Every port this run would listen on, each with the option that sets it. */
  ListenPorts listenPorts() {
    ListenPorts ports = new ListenPorts();
    if (clusterOptions.bootstrapServers == null && clusterOptions.schemaRegistryUrl == null) {
      if (brokers == 1) {
        ports.add("embedded Kafka broker", "--kafka-port", "localhost", clusterOptions.kafkaPort);
      }
      ports.add(
          "embedded schema registry", "--registry-port", "localhost", clusterOptions.registryPort);
    }
    if (!platformOnly) {
      PlatformServices.Ports servicePorts = ports();
      for (PlatformServices.Service service : PlatformServices.Service.values()) {
        ports.add(service.displayName(), service.option(), bind, servicePorts.of(service));
      }
    }
    return ports;
  }

  private PlatformServices.Ports ports() {
    return new PlatformServices.Ports(
        issuerPort,
        introspectionPort,
        validatorPort,
        anomalyPort,
        auditPort,
        consolePort,
        signalsPort);
  }

  /** Stops the command the way Ctrl-C would. */
  void requestStop() {
    stop.requestStop();
  }
}
