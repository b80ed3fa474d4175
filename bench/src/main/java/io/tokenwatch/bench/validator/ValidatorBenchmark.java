package io.tokenwatch.bench.validator;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jwt.SignedJWT;
import io.tokenwatch.validator.Decision;
import io.tokenwatch.validator.JwksSource;
import io.tokenwatch.validator.RevocationIndex;
import io.tokenwatch.validator.TokenRequest;
import io.tokenwatch.validator.TokenValidator;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One-thread cost of a decision: a token seen before (signature cached; expiry, revocation with 100
 * 000 revoked ids and a few selectors, scope and use count re-checked), a token seen for the first
 * time (full verification), and nimbus's bare signature verification of the same token.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ValidatorBenchmark {

  private static final int DISTINCT_TOKENS = 1024;

  @Param({"EdDSA", "RS256"})
  public String alg;

  private TokenValidator cached;
  private TokenValidator uncached;
  private TokenRequest seenBefore;
  private TokenRequest[] firstSeen;
  private String[] rawTokens;
  private JWSVerifier verifier;
  private int next;

  @Setup(Level.Trial)
  public void setUp() throws JOSEException {
    BenchTokens tokens = new BenchTokens();
    Instant now = Instant.now();
    RevocationIndex index = new RevocationIndex(100_000);
    for (int i = 0; i < 100_000; i++) {
      index.put("token:" + UUID.randomUUID(), null);
    }
    index.put("subject:mallory", null);
    index.put("client:app-2", now.toEpochMilli());
    index.put("grant:grant-0", null);
    index.markCaughtUp(Long.MAX_VALUE / 2);
    cached = validator(tokens, index, 100_000);
    uncached = validator(tokens, index, 0);
    seenBefore =
        TokenRequest.of(
            tokens.token(alg, now), "GET", "https://api.example/orders/42", Set.of("orders:read"));
    firstSeen = new TokenRequest[DISTINCT_TOKENS];
    rawTokens = new String[DISTINCT_TOKENS];
    for (int i = 0; i < DISTINCT_TOKENS; i++) {
      rawTokens[i] = tokens.token(alg, now);
      firstSeen[i] =
          TokenRequest.of(
              rawTokens[i], "GET", "https://api.example/orders/42", Set.of("orders:read"));
    }
    verifier = tokens.verifier(alg);
    if (!cached.validate(seenBefore).allowed() || !uncached.validate(firstSeen[0]).allowed()) {
      throw new IllegalStateException("benchmark tokens must be valid");
    }
  }

  private static TokenValidator validator(BenchTokens tokens, RevocationIndex index, long cache) {
    return TokenValidator.builder()
        .issuer(BenchTokens.ISSUER)
        .audience(BenchTokens.AUDIENCE)
        .jwks(JwksSource.fixed(tokens.publicKeys()))
        .revocations(index)
        .clock(Clock.systemUTC())
        .signatureCacheSize(cache)
        .build();
  }

  /** A token seen before: no cryptography, every other check. */
  @Benchmark
  public Decision hotPathSeenBefore() {
    return cached.validate(seenBefore);
  }

  /** A token never seen: parse, header checks, signature, claims, every other check. */
  @Benchmark
  public Decision firstSeenFullValidation() {
    int i = next++ & (DISTINCT_TOKENS - 1);
    return uncached.validate(firstSeen[i]);
  }

  /** nimbus alone on the same tokens: parse and verify the signature, no claim checks. */
  @Benchmark
  public boolean nimbusParseAndVerify() throws ParseException, JOSEException {
    int i = next++ & (DISTINCT_TOKENS - 1);
    return SignedJWT.parse(rawTokens[i]).verify(verifier);
  }
}
