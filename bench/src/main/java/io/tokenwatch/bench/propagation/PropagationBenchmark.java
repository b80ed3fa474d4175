package io.tokenwatch.bench.propagation;

import io.tokenwatch.bench.BenchIssuer;
import io.tokenwatch.embedded.EmbeddedPlatform;
import io.tokenwatch.issuer.server.IssuerServer;
import io.tokenwatch.revocation.app.RevocationStreamApp;
import io.tokenwatch.revocation.kafka.RevocationStreamConfig;
import io.tokenwatch.validator.RevocationIndex;
import io.tokenwatch.validator.TokenValidator;
import io.tokenwatch.validator.kafka.RevocationFeed;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * How long a revocation takes to reach validators, end to end, on one machine: the embedded
 * platform, the revocation stream and the issuer (sample policy) run in this JVM, plus {@code
 * validators} independent validators, each a {@link TokenValidator} over its own {@link
 * RevocationFeed} consumer and {@link RevocationIndex}, keys fetched from the issuer's JWKS URL.
 *
 * <p>In the background {@code rate} {@code TokenUsed} events per second, for tokens the issuer
 * really issued, are produced to {@code tokenwatch.token-used} the whole time, so the revocation
 * stream is busy while revocations flow.
 *
 * <p>Each round issues a token (client credentials, {@code orders-service}), checks that every
 * validator allows it, then revokes it with {@code POST /admin/revocations} ({@code
 * security-console}). One thread per validator calls {@code validate} every ~100 µs (a short park,
 * so the spinning does not starve the broker of the two cores) until the decision is {@code Deny}
 * with {@code REVOKED}. Latency is taken from the moment the HTTP 202 arrived ({@code t0}); the
 * time the request was sent is recorded as well, because the issuer writes the revocation to the
 * feed before it answers, so a validator may deny before the 202 is read (a negative latency from
 * the 202). An observer consumer records when the issuer's fast-path record and the revocation
 * stream's feed record for the token's key arrive.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar
 * io.tokenwatch.bench.propagation.PropagationBenchmark [rounds] [warm-up rounds] [validators]
 * [rate/s]} (defaults 600, 50, 3, 5000). Even rounds revoke over one kept-alive HTTP/1.1 connection
 * read on the round's thread (the headline, from the send), odd rounds with {@code java.net.http};
 * after each round {@link KafkaBaseline} measures Kafka's own produce-to-consume latency. A
 * benchmark, not a test: it prints and asserts nothing.
 */
public final class PropagationBenchmark {

  private PropagationBenchmark() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 600;
    int warmUp = args.length > 1 ? Integer.parseInt(args[1]) : 50;
    int validators = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    int rate = args.length > 3 ? Integer.parseInt(args[3]) : 5000;
    Path dir = Files.createTempDirectory("tokenwatch-propagation-bench");
    Path policy = BenchIssuer.samplePolicy(dir.resolve("policy.yaml"));
    try (EmbeddedPlatform platform =
            EmbeddedPlatform.builder(dir.resolve("platform")).build().start();
        RevocationStreamApp stream = RevocationStreamApp.start(streamConfig(platform, dir));
        IssuerServer issuer =
            IssuerServer.start(
                BenchIssuer.config(
                    platform, policy, dir.resolve("issuer"), "bench-propagation", Map.of()))) {
      new Run(platform, stream, issuer, validators, rate, System.out).measure(rounds, warmUp);
    }
  }

  private static Map<String, Object> streamConfig(EmbeddedPlatform platform, Path dir) {
    Map<String, Object> config = new HashMap<>();
    config.put(RevocationStreamConfig.BOOTSTRAP_SERVERS, platform.bootstrapServers());
    config.putAll(platform.schemaRegistryClientSettings());
    config.put(RevocationStreamConfig.STATE_DIR, dir.resolve("streams").toString());
    config.put(RevocationStreamConfig.HTTP_PORT, 0);
    return config;
  }
}
