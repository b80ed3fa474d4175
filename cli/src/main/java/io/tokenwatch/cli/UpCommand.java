package io.tokenwatch.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code tokenwatch up}: runs the platform until Ctrl-C or SIGTERM, then shuts it down cleanly. */
@Command(
    name = "up",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the Tokenwatch platform on this machine until Ctrl-C or SIGTERM.",
      "Without --bootstrap-servers/--schema-registry-url it starts a real Kafka broker (KRaft)"
          + " and a schema registry in this process, keeping their state in --data-dir.",
      "Prints one line a script can parse:",
      "  tokenwatch up: bootstrap.servers=<host:port> schema.registry.url=<url> ..."
    })
final class UpCommand implements Callable<Integer> {

  private static final Logger log = LoggerFactory.getLogger(UpCommand.class);

  @Spec CommandSpec spec;

  @Mixin ClusterOptions clusterOptions;

  private final StopSignal stop = new StopSignal();

  @Override
  public Integer call() throws Exception {
    long started = System.nanoTime();
    return stop.run(
        signal -> {
          try (ClusterOptions.Cluster cluster = clusterOptions.open()) {
            Topics.ensure(cluster);
            PrintWriter out = spec.commandLine().getOut();
            out.printf(
                "tokenwatch up: bootstrap.servers=%s schema.registry.url=%s data.dir=%s%n",
                cluster.bootstrapServers(),
                cluster.schemaRegistryUrl(),
                cluster.dataDir().map(Object::toString).orElse("(external cluster)"));
            out.flush();
            log.info(
                "Ready in {} ms; Ctrl-C or SIGTERM stops it",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            signal.await();
          }
        });
  }

  /** Stops the command the way Ctrl-C would. */
  void requestStop() {
    stop.requestStop();
  }
}
