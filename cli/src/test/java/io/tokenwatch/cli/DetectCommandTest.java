package io.tokenwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.anomaly.Rule;
import io.tokenwatch.anomaly.Severity;
import io.tokenwatch.anomaly.app.AnomalyReplay;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code tokenwatch detect} refuses bad input with a message and exit code 2, before any I/O; its
 * progress line and summary say what the replay did.
 */
class DetectCommandTest {

  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = Tokenwatch.commandLine();
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void shouldRefuseATimeOutsideTheCliTimeGrammar() {
    int code =
        run(
            "detect",
            "--replay",
            "--from",
            "yesterday",
            "--to",
            "2026-11-29T00:00:00Z",
            "--output-topic",
            "backtest");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .contains("Invalid value for option '--from'")
        .contains("'yesterday' is not a time; use an ISO-8601 instant");
  }

  @Test
  void shouldRefuseARangeEndingBeforeItStarts() {
    int code =
        run(
            "detect",
            "--replay",
            "--from",
            "2026-11-29T00:00:00Z",
            "--to",
            "2026-11-28T00:00:00Z",
            "--output-topic",
            "backtest");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--to must be after --from");
  }

  @Test
  void shouldReadDatesLikeTheAuditCommandsAndTreatToAsExclusive() {
    // 2026-11-29 is midnight UTC, so the range [2026-11-29, 2026-11-29T00:00:00Z) is empty
    int code =
        run(
            "detect",
            "--replay",
            "--from",
            "2026-11-29",
            "--to",
            "2026-11-29T00:00:00Z",
            "--output-topic",
            "backtest");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .contains("--to must be after --from (the range includes --from, not --to)");
  }

  @Test
  void shouldRefuseToReplayIntoTheLiveAlertTopic() {
    int code =
        run(
            "detect",
            "--replay",
            "--from",
            "2026-11-28T00:00:00Z",
            "--to",
            "2026-11-29T00:00:00Z",
            "--output-topic",
            "tokenwatch.security-alerts");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("must not write to the live alert topic");
  }

  @Test
  void shouldRequireReplay() {
    int code =
        run(
            "detect",
            "--from",
            "2026-11-28T00:00:00Z",
            "--to",
            "2026-11-29T00:00:00Z",
            "--output-topic",
            "backtest");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--replay");
  }

  @Test
  void shouldRefuseAProgressIntervalThatIsNotADuration() {
    int code =
        run(
            "detect",
            "--replay",
            "--from",
            "2026-11-28T00:00:00Z",
            "--to",
            "2026-11-29T00:00:00Z",
            "--output-topic",
            "backtest",
            "--progress-interval",
            "often");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--progress-interval is not an ISO-8601 duration: often");
  }

  @Test
  void shouldRefuseToReplayIntoAnInputTopic() {
    int code =
        run(
            "detect",
            "--replay",
            "--from",
            "2026-11-28T00:00:00Z",
            "--to",
            "2026-11-29T00:00:00Z",
            "--output-topic",
            "tokenwatch.token-used");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .contains("must not write its alerts to tokenwatch.token-used, a Tokenwatch topic");
  }

  @Test
  void shouldReportProgressOnlyWhenTheWindowHasEvents() {
    StringWriter progress = new StringWriter();
    PrintWriter writer = new PrintWriter(progress, true);
    DetectCommand.reportProgress(
        writer, new AnomalyReplay.Progress(0, 0, 0, Duration.ofSeconds(10)));
    assertThat(progress.toString()).isEmpty();
    DetectCommand.reportProgress(
        writer, new AnomalyReplay.Progress(2_500, 10_000, 3, Duration.ofSeconds(20)));
    assertThat(progress.toString())
        .isEqualTo("tokenwatch detect: 2500 of 10000 events read (25%), 3 alerts so far, 20 s\n");
  }

  @Test
  void shouldSummariseTheWindowEventsAlertsByRuleAndSeverityTimeAndCleanUp() {
    StringWriter summary = new StringWriter();
    DetectCommand.printSummary(
        new PrintWriter(summary, true),
        new AnomalyReplay.Result(
            "tokenwatch-anomaly-detector-replay-1-2-0a1b2c3d",
            "backtest",
            true,
            Instant.parse("2026-11-28T00:00:00Z"),
            Instant.parse("2026-11-28T23:59:59.999Z"),
            48_213,
            List.of(
                new AnomalyReplay.AlertCount(Rule.SCOPE_ESCALATION, Severity.HIGH, 4),
                new AnomalyReplay.AlertCount(Rule.TOKEN_SPREAD, Severity.MEDIUM, 2)),
            5,
            Path.of("state", "tokenwatch-anomaly-detector-replay-1-2-0a1b2c3d"),
            List.of(),
            Duration.ofMillis(12_345)));
    assertThat(summary.toString().lines())
        .containsExactly(
            "tokenwatch detect: replayed 2026-11-28T00:00:00Z .. 2026-11-29T00:00:00Z: 48213"
                + " events read, 6 alerts, in 12.3 s",
            "  SCOPE_ESCALATION         HIGH      4",
            "  TOKEN_SPREAD             MEDIUM    2",
            "  alerts in backtest (created with retention.ms=-1: kept until you delete the topic)",
            "  removed tokenwatch-anomaly-detector-replay-1-2-0a1b2c3d: its consumer group, 5"
                + " internal topics and its state directory "
                + Path.of("state", "tokenwatch-anomaly-detector-replay-1-2-0a1b2c3d"));
  }
}
