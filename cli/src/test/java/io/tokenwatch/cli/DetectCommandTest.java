package io.tokenwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code tokenwatch detect} refuses bad input with a message and exit code 2, before any I/O. */
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
}
