package io.tokenwatch.testing;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;

/**
 * Whether a Docker engine answers. Bounded in time and never throwing: a machine with a Docker
 * client but no engine (or a hung socket) must fall back to the embedded broker, not fail tests.
 */
final class DockerProbe {
  private static final Logger log = LoggerFactory.getLogger(DockerProbe.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private DockerProbe() {}

  static boolean dockerAvailable() {
    ExecutorService executor =
        Executors.newSingleThreadExecutor(
            task -> {
              Thread thread = new Thread(task, "docker-probe");
              thread.setDaemon(true);
              return thread;
            });
    try {
      Future<Boolean> probe =
          executor.submit(() -> DockerClientFactory.instance().isDockerAvailable());
      return probe.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      log.warn("No answer from Docker within {}; using the embedded broker", TIMEOUT);
      return false;
    } catch (ExecutionException | RuntimeException | LinkageError e) {
      log.warn("Docker detection failed ({}); using the embedded broker", e.toString());
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      executor.shutdownNow();
    }
  }
}
