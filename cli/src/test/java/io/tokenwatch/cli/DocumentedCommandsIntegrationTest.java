package io.tokenwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.cli.DocBlocks.Block;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every shell block of README.md, the module READMEs and docs/*.md runs as written against a
 * platform this test starts ({@code up} on free ports, in a working directory whose {@code ./data}
 * is the platform's data directory and whose {@code ./tokenwatch} runs the command from this test's
 * class path). The ports the docs write ({@code localhost:9400}, ...) are replaced by the real
 * ones. A block fails when a command exits non-zero, when it runs past {@link #BOUND}, or when its
 * output lacks what the docs show. Blocks marked {@code skip} (with a reason) are checked
 * structurally instead (their commands parse, the files and modules they name exist). The
 * convention is described in the root README, "Documentation that runs".
 */
@Tag("integration")
class DocumentedCommandsIntegrationTest {

  /** How long one block may run before it is killed and reported as hanging. */
  static final Duration BOUND = Duration.ofMinutes(3);

  /** The default port each service of {@code up} has, as the docs write them. */
  private static final Map<Integer, String> DEFAULT_PORTS =
      Map.of(
          9092, "kafka",
          8081, "registry",
          9400, "issuer",
          8092, "introspection",
          8089, "validator",
          8094, "anomaly",
          8095, "audit",
          8096, "signals");

  private static final Pattern LOCAL_PORT =
      Pattern.compile("\\b(localhost|127\\.0\\.0\\.1):(\\d{4,5})\\b");
  private static final Pattern ENDPOINT_PORT = Pattern.compile("^http://localhost:(\\d+)");

  @TempDir Path work;

  @Test
  void shouldRunEveryDocumentedShellBlockAsWritten() throws Exception {
    Path root = repositoryRoot();
    List<Block> blocks = DocBlocks.read(root);
    writeShims();
    List<String> report = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    @Nullable PlatformUnderTest platform = null;
    Map<Integer, Integer> ports = Map.of();
    try {
      for (Block block : blocks) {
        if (block.looksLikeCommands()) {
          failures.add(
              block.where()
                  + ": a plain ``` block holding commands; fence it as ```bash so this test runs it");
        }
        if (!block.isShell()) {
          continue;
        }
        if (block.has("skip")) {
          String why = block.value("reason").map(r -> "reason: " + r).orElse("");
          if (why.isEmpty()) {
            failures.add(block.where() + ": skip needs reason=\"...\"");
          }
          List<String> problems = StructuralCheck.check(root, block.commands());
          problems.forEach(p -> failures.add(block.where() + ": " + p));
          report.add(
              String.format(
                  "%-13s %s (%s; checked structurally: %s)",
                  "SKIPPED", block.where(), why, problems.isEmpty() ? "ok" : "FAILED"));
          continue;
        }
        boolean wantsStopped = block.value("platform").orElse("running").equals("stopped");
        if (wantsStopped && platform != null) {
          platform.close();
          platform = null;
        } else if (!wantsStopped && platform == null) {
          platform = PlatformUnderTest.start(work.resolve("data"));
          ports = realPorts(platform);
        }
        String outcome = run(block, ports, failures);
        report.add(String.format("%-13s %s%s", "RAN", block.where(), outcome));
      }
    } finally {
      if (platform != null) {
        platform.close();
      }
      System.out.println("Documented shell blocks (" + report.size() + "):");
      report.forEach(line -> System.out.println("  " + line));
    }
    assertThat(failures).as("documented commands that do not work as written").isEmpty();
  }

  /** Runs one block with bash -euo pipefail; returns a note for the report. */
  private String run(Block block, Map<Integer, Integer> ports, List<String> failures)
      throws IOException, InterruptedException {
    StringBuilder script = new StringBuilder("set -euo pipefail\n");
    for (String setup : block.values("setup")) {
      script.append(substitute(setup, ports)).append('\n');
    }
    script.append(substitute(block.commands(), ports));
    Path file =
        work.resolve("block-" + block.file().replace('/', '-') + "-" + block.line() + ".sh");
    Files.writeString(file, script);
    Path log = work.resolve(file.getFileName() + ".out");

    ProcessBuilder builder =
        new ProcessBuilder("bash", file.toString())
            .directory(work.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(name -> name.startsWith("TOKENWATCH_"));
    env.put("PATH", work.resolve("bin") + File.pathSeparator + env.getOrDefault("PATH", ""));
    env.put("TOKENWATCH_JAVA_OPTS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC");
    Path stdin = work.resolve(file.getFileName() + ".in");
    Files.writeString(stdin, block.value("stdin").orElse(""));
    builder.redirectInput(stdin.toFile());

    long started = System.nanoTime();
    Process process = builder.start();
    boolean finished = process.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS);
    if (!finished) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    String took = String.format(" (%.1f s)", (System.nanoTime() - started) / 1e9);
    if (!finished) {
      failures.add(
          block.where()
              + ": still running after "
              + BOUND
              + ", killed; output:\n"
              + indent(output));
      return took + " HUNG";
    }
    if (process.exitValue() != 0) {
      failures.add(
          block.where()
              + ": exited "
              + process.exitValue()
              + "; commands:\n"
              + indent(substitute(block.commands(), ports))
              + "output:\n"
              + indent(output));
      return took + " FAILED";
    }
    List<String> missing = new ArrayList<>();
    for (String expected : block.values("expect")) {
      if (!output.contains(substitute(expected, ports))) {
        missing.add(expected);
      }
    }
    for (String shown : block.expectedOutput()) {
      if (!shows(output, substitute(shown, ports))) {
        missing.add(shown);
      }
    }
    if (!missing.isEmpty()) {
      failures.add(
          block.where()
              + ": the output no longer shows what the docs say: "
              + missing
              + "; output:\n"
              + indent(output));
      return took + " OUTPUT DIFFERS";
    }
    return took;
  }

  /**
   * Whether {@code output} has a line showing {@code shown}, where {@code ...} in the docs stands
   * for anything.
   */
  static boolean shows(String output, String shown) {
    List<String> parts = new ArrayList<>();
    for (String part : shown.strip().split("\\.\\.\\.", -1)) {
      if (!part.isBlank()) {
        parts.add(Pattern.quote(part.strip()));
      }
    }
    if (parts.isEmpty()) {
      return true;
    }
    return Pattern.compile(String.join(".*", parts)).matcher(output).find();
  }

  /** {@code text} with every default port of {@code up} replaced by the one it really has. */
  static String substitute(String text, Map<Integer, Integer> ports) {
    Matcher matcher = LOCAL_PORT.matcher(text);
    StringBuilder replaced = new StringBuilder();
    while (matcher.find()) {
      int port = Integer.parseInt(matcher.group(2));
      Integer real = ports.get(port);
      matcher.appendReplacement(
          replaced,
          Matcher.quoteReplacement(
              matcher.group(1) + ":" + (real == null ? matcher.group(2) : real)));
    }
    matcher.appendTail(replaced);
    return replaced.toString();
  }

  private static Map<Integer, Integer> realPorts(PlatformUnderTest platform) {
    Map<String, Integer> byService = new HashMap<>();
    byService.put("kafka", port("http://" + platform.bootstrapServers()));
    byService.put("registry", port(platform.schemaRegistryUrl()));
    for (String service :
        List.of("issuer", "introspection", "validator", "anomaly", "audit", "signals")) {
      byService.put(service, port(platform.endpoint(service)));
    }
    Map<Integer, Integer> ports = new LinkedHashMap<>();
    DEFAULT_PORTS.forEach((port, service) -> ports.put(port, byService.get(service)));
    return ports;
  }

  private static int port(String url) {
    Matcher matcher = ENDPOINT_PORT.matcher(url);
    assertThat(matcher.find()).as("no localhost port in %s", url).isTrue();
    return Integer.parseInt(matcher.group(1));
  }

  /**
   * {@code ./tokenwatch} and {@code tokenwatch} on the PATH: the command from this test's class
   * path, never the launcher, which would run Maven inside this Maven build.
   */
  private void writeShims() throws IOException {
    String classPath = System.getProperty("surefire.test.class.path");
    if (classPath == null || classPath.isBlank()) {
      classPath = System.getProperty("java.class.path");
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String shim =
        "#!/usr/bin/env bash\n"
            + "exec '"
            + java
            + "' ${TOKENWATCH_JAVA_OPTS:-} -cp '"
            + classPath
            + "' io.tokenwatch.cli.Tokenwatch \"$@\"\n";
    Files.createDirectories(work.resolve("bin"));
    for (Path path :
        List.of(work.resolve("tokenwatch"), work.resolve("bin").resolve("tokenwatch"))) {
      Files.writeString(path, shim);
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  static Path repositoryRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isRegularFile(dir.resolve("tokenwatch"))) {
      dir = dir.getParent();
    }
    assertThat(dir).as("no repository root above %s", Path.of("").toAbsolutePath()).isNotNull();
    return dir;
  }

  private static String indent(String text) {
    return text.lines().map(l -> "    " + l + "\n").reduce("", String::concat);
  }
}
