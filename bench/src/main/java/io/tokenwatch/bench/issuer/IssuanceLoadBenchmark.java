package io.tokenwatch.bench.issuer;

import io.tokenwatch.bench.BenchIssuer;
import io.tokenwatch.embedded.EmbeddedPlatform;
import io.tokenwatch.issuer.server.IssuerConfig;
import io.tokenwatch.issuer.server.IssuerServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Issuance over HTTP, end to end: starts the embedded platform (broker and schema registry) and a
 * real issuer whose every token waits for its {@code TokenIssued} event to be acknowledged ({@code
 * acks=all}) by the broker, then runs {@link TokenLoadGenerator} against it in a child JVM (so the
 * load generator's threads and heap are not the server's), with this process's id so that the
 * generator reports the server's CPU time per token. The process ends when the generator does.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar
 * io.tokenwatch.bench.issuer.IssuanceLoadBenchmark [EDDSA|RS256] [generator options]}, e.g. {@code
 * --ramp 1000:500:8000} or {@code --rate 1000 --seconds 30}; the generator's options are listed in
 * {@link TokenLoadGenerator}.
 *
 * <p>{@code IssuanceLoadBenchmark serve [seconds]} starts the platform and two issuers (EdDSA and
 * RS256), prints their ports and serves for {@code seconds} (default 600), for a load generator
 * started by hand.
 */
public final class IssuanceLoadBenchmark {

  private IssuanceLoadBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("serve")) {
      serve(args.length > 1 ? Integer.parseInt(args[1]) : 600);
      return;
    }
    String alg = args.length > 0 && !args[0].startsWith("--") ? args[0] : "EDDSA";
    List<String> generatorArgs =
        List.of(args).subList(args.length > 0 && !args[0].startsWith("--") ? 1 : 0, args.length);
    Path dir = Files.createTempDirectory("tokenwatch-issuer-bench");
    Path policy = BenchIssuer.samplePolicy(dir.resolve("policy.yaml"));
    try (EmbeddedPlatform platform =
            EmbeddedPlatform.builder(dir.resolve("platform")).build().start();
        IssuerServer issuer =
            IssuerServer.start(
                BenchIssuer.config(
                    platform,
                    policy,
                    dir.resolve("issuer-" + alg),
                    "bench-" + alg,
                    Map.of(IssuerConfig.SIGNING_ALGORITHM, alg)))) {
      List<String> command = new ArrayList<>();
      command.add(
          ProcessHandle.current()
              .info()
              .command()
              .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
      command.addAll(
          List.of(
              "-Xmx256m",
              "-cp",
              System.getProperty("java.class.path"),
              TokenLoadGenerator.class.getName(),
              "--url",
              "http://localhost:" + issuer.port() + "/oauth2/token",
              "--server-pid",
              Long.toString(ProcessHandle.current().pid())));
      command.addAll(generatorArgs);
      System.out.printf(
          "issuer (%s, acks=all) on port %d; load generator in its own JVM: %s%n",
          alg, issuer.port(), String.join(" ", command.subList(4, command.size())));
      System.out.flush();
      Process generator = new ProcessBuilder(command).inheritIO().start();
      int exit = generator.waitFor();
      if (exit != 0) {
        System.out.printf("load generator exited with status %d%n", exit);
      }
    }
  }

  private static void serve(int seconds) throws Exception {
    Path dir = Files.createTempDirectory("tokenwatch-issuer-bench");
    Path policy = BenchIssuer.samplePolicy(dir.resolve("policy.yaml"));
    try (EmbeddedPlatform platform =
            EmbeddedPlatform.builder(dir.resolve("platform")).build().start();
        IssuerServer eddsa =
            IssuerServer.start(
                BenchIssuer.config(
                    platform,
                    policy,
                    dir.resolve("issuer-EDDSA"),
                    "bench-EDDSA",
                    Map.of(IssuerConfig.SIGNING_ALGORITHM, "EDDSA")));
        IssuerServer rs256 =
            IssuerServer.start(
                BenchIssuer.config(
                    platform,
                    policy,
                    dir.resolve("issuer-RS256"),
                    "bench-RS256",
                    Map.of(IssuerConfig.SIGNING_ALGORITHM, "RS256")))) {
      System.out.printf(
          "serving EdDSA on port %d, RS256 on port %d for %d s%n",
          eddsa.port(), rs256.port(), seconds);
      System.out.flush();
      TimeUnit.SECONDS.sleep(seconds); // serving for a fixed time, not waiting for a condition
    }
  }
}
