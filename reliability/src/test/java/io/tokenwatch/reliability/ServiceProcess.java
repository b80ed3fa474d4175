package io.tokenwatch.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A service in a JVM of its own, so a test can halt it abruptly (SIGKILL: no close, no commit, no
 * shutdown hook). The service is an app class with a static {@code start(Map)} returning an {@link
 * AutoCloseable}, as {@code RevocationStreamApp} and {@code AnomalyDetectorApp} have; the child's
 * arguments are that class's name, then its settings as {@code key=value}.
 */
final class ServiceProcess implements AutoCloseable {

  private final Process process;
  private final String name;

  private ServiceProcess(Process process, String name) {
    this.process = process;
    this.name = name;
  }

  /**
   * Starts {@code app} with {@code settings} in a new JVM on this test's class path; its output
   * goes to {@code log}.
   */
  static ServiceProcess start(
      Class<? extends AutoCloseable> app, Map<String, Object> settings, Path log) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(ServiceProcess.class.getName());
    command.add(app.getName());
    settings.forEach((key, value) -> command.add(key + "=" + value));
    try {
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
      return new ServiceProcess(process, app.getSimpleName());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the " + app.getSimpleName() + " process", e);
    }
  }

  /** Halts the process the way a power cut or the OOM killer would, and waits until it is gone. */
  void kill() {
    process.destroyForcibly();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the killed " + name + " process did not exit");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for the " + name + " process", e);
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      kill();
    }
  }

  public static void main(String[] args) throws Exception {
    Map<String, Object> settings = new LinkedHashMap<>();
    for (int i = 1; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      settings.put(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    AutoCloseable app;
    try {
      app =
          (AutoCloseable)
              Class.forName(args[0]).getMethod("start", Map.class).invoke(null, settings);
    } catch (InvocationTargetException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    app.close();
                  } catch (Exception e) {
                    System.err.println("closing failed: " + e);
                  } finally {
                    stopped.countDown();
                  }
                }));
    stopped.await();
  }
}
