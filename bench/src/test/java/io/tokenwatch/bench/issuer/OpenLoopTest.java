package io.tokenwatch.bench.issuer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongUnaryOperator;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class OpenLoopTest {

  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  /** Time that moves only when the run sleeps or the fake server takes time to answer. */
  private static final class FakeTicker implements OpenLoop.Ticker {
    long now = 1_000 * SECOND;

    @Override
    public long nanoTime() {
      return now;
    }

    @Override
    public void sleepUntil(long deadline) {
      now = Math.max(now, deadline);
    }
  }

  /** A server whose answer to request {@code n} takes {@code serviceTime.applyAsLong(n)} ns. */
  private static OpenLoop.Connector server(
      FakeTicker ticker, LongUnaryOperator serviceTime, LongFunctionToError error) {
    long[] served = {0};
    return () ->
        new OpenLoop.Connection() {
          @Override
          public @Nullable String exchange() {
            long n = served[0]++;
            ticker.now += serviceTime.applyAsLong(n);
            return error.apply(n);
          }

          @Override
          public void close() {}
        };
  }

  @FunctionalInterface
  private interface LongFunctionToError {
    @Nullable String apply(long n);
  }

  @Test
  void shouldCountAServerStallInTheLatencyOfEveryRequestDueDuringIt() throws Exception {
    FakeTicker ticker = new FakeTicker();
    // 1,000 requests/s on one connection; the first answer takes 100 ms, every other 0.1 ms.
    OpenLoop loop =
        new OpenLoop(ticker, server(ticker, n -> n == 0 ? 100 * MS : MS / 10, n -> null), 1);

    OpenLoop.Result result = loop.run(1000, SECOND, SECOND);

    // Request k (due at k ms) waits for the stall: it is answered at 100 + 0.1 k ms, so its
    // latency is 100 - 0.9 k ms until the backlog is gone (k = 111). A client that measured from
    // the actual send would see one slow request and a p99 of 0.1 ms.
    assertThat(result.ok()).isEqualTo(1000);
    assertThat(result.errors()).isEmpty();
    assertThat(result.maxMillis()).isCloseTo(100, within(0.1));
    // the 990th and 900th fastest of 1,000 are requests k = 10 and k = 100
    assertThat(result.percentileMillis(99)).isCloseTo(91.0, within(0.1));
    assertThat(result.percentileMillis(90)).isCloseTo(10.0, within(0.1));
    assertThat(result.percentileMillis(50)).isCloseTo(0.1, within(0.01));
  }

  @Test
  void shouldSendAtTheOfferedRateWhenTheServerKeepsUp() throws Exception {
    FakeTicker ticker = new FakeTicker();
    OpenLoop loop = new OpenLoop(ticker, server(ticker, n -> MS / 2, n -> null), 1);

    OpenLoop.Result result = loop.run(500, 2 * SECOND, SECOND);

    assertThat(result.scheduled()).isEqualTo(1000);
    assertThat(result.ok()).isEqualTo(1000);
    // the last request is due at 1.998 s and answered 0.5 ms later
    assertThat(result.elapsedNanos()).isEqualTo(1998 * MS + MS / 2);
    assertThat(result.achievedRate()).isCloseTo(500, within(1.0));
    assertThat(result.percentileMillis(99.9)).isCloseTo(0.5, within(0.01));
    assertThat(TokenLoadGenerator.passes(result, 25)).isTrue();
    assertThat(TokenLoadGenerator.saturated(result)).isFalse();
  }

  @Test
  void shouldCountErrorsByKindAndLeaveThemOutOfTheLatencies() throws Exception {
    FakeTicker ticker = new FakeTicker();
    OpenLoop loop =
        new OpenLoop(ticker, server(ticker, n -> MS / 10, n -> n % 10 == 0 ? "http_503" : null), 1);

    OpenLoop.Result result = loop.run(100, SECOND, SECOND);

    assertThat(result.errors()).isEqualTo(Map.of("http_503", 10L));
    assertThat(result.ok()).isEqualTo(90);
    assertThat(result.maxMillis()).isLessThan(1);
    assertThat(TokenLoadGenerator.passes(result, 25)).isFalse();
  }

  @Test
  void shouldGiveUpRequestsStillUnsentAfterTheDrainTimeAndFailTheStep() throws Exception {
    FakeTicker ticker = new FakeTicker();
    // 1,000/s offered to a server that answers 100/s on one connection
    OpenLoop loop = new OpenLoop(ticker, server(ticker, n -> 10 * MS, n -> null), 1);

    OpenLoop.Result result = loop.run(1000, SECOND, SECOND / 2);

    // sends continue until 1.5 s after the start: 150 requests answered, the rest given up
    assertThat(result.ok()).isEqualTo(151);
    assertThat(result.errors()).isEqualTo(Map.of(OpenLoop.NOT_SENT, 849L));
    assertThat(result.achievedRate()).isLessThan(150);
    assertThat(TokenLoadGenerator.passes(result, 10_000)).isFalse();
    assertThat(TokenLoadGenerator.saturated(result)).isTrue();
  }

  @Test
  void shouldFailAStepWhoseP99IsAboveTheLimitEvenWithoutErrors() throws Exception {
    FakeTicker ticker = new FakeTicker();
    OpenLoop loop =
        new OpenLoop(ticker, server(ticker, n -> n % 50 == 0 ? 30 * MS : MS, n -> null), 1);

    OpenLoop.Result result = loop.run(10, 10 * SECOND, SECOND);

    assertThat(result.errors()).isEmpty();
    assertThat(result.achievedRate()).isCloseTo(10, within(0.1));
    assertThat(TokenLoadGenerator.passes(result, 25)).isFalse();
    assertThat(TokenLoadGenerator.passes(result, 50)).isTrue();
    assertThat(TokenLoadGenerator.saturated(result)).isFalse();
  }

  @Test
  void shouldReportAConnectionThatCannotBeOpenedAsAnErrorKind() throws Exception {
    FakeTicker ticker = new FakeTicker();
    OpenLoop loop =
        new OpenLoop(
            ticker,
            () -> {
              throw new java.net.ConnectException("refused");
            },
            1);

    OpenLoop.Result result = loop.run(100, SECOND, SECOND);

    assertThat(result.errors()).isEqualTo(Map.of("connect_failed", 100L));
    assertThat(result.ok()).isZero();
  }
}
