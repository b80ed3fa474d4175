package io.tokenwatch.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
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

  private final CountDownLatch stopRequested = new CountDownLatch(1);
  private final CountDownLatch stopped = new CountDownLatch(1);

  @Override
  public Integer call() {
    Thread hook = new Thread(this::stopAndWait, "tokenwatch-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    long started = System.nanoTime();
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
      awaitStopRequest();
      log.info("Shutting down");
    } finally {
      stopped.countDown();
      removeHook(hook);
    }
    return 0;
  }

  /** Lets the shutdown hook stop the command the way a normal exit would. */
  void requestStop() {
    stopRequested.countDown();
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // The JVM is exiting and the hook is running; nothing to remove.
    }
  }

  private void awaitStopRequest() {
    try {
      stopRequested.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void stopAndWait() {
    stopRequested.countDown();
    try {
      if (!stopped.await(30, TimeUnit.SECONDS)) {
        log.warn("Clean shutdown did not finish within 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
