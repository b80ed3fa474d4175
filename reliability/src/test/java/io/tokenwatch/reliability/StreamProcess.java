package io.tokenwatch.reliability;

import io.tokenwatch.revocation.app.RevocationStreamApp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The revocation stream in a JVM of its own, so a test can halt it abruptly (SIGKILL: no close, no
 * commit, no shutdown hook). Arguments are the stream's settings as {@code key=value}.
 */
final class StreamProcess implements AutoCloseable {

  private final Process process;

  private StreamProcess(Process process) {
    this.process = process;
  }

  /** Starts the stream in a new JVM on this test's class path; its output goes to {@code log}. */
  static StreamProcess start(Map<String, Object> settings, Path log) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(StreamProcess.class.getName());
    settings.forEach((key, value) -> command.add(key + "=" + value));
    try {
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
      return new StreamProcess(process);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the revocation stream process", e);
    }
  }

  /** Halts the process the way a power cut or the OOM killer would, and waits until it is gone. */
  void kill() {
    process.destroyForcibly();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the killed stream process did not exit");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for the stream process", e);
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      kill();
    }
  }

  public static void main(String[] args) throws InterruptedException {
    Map<String, Object> settings = new LinkedHashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      settings.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    RevocationStreamApp app = RevocationStreamApp.start(settings);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  app.close();
                  stopped.countDown();
                }));
    stopped.await();
  }
}
