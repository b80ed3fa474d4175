package io.tokenwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AuditReplayProgressTest {

  private final StringWriter err = new StringWriter();
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  private AuditReplayCommand.Progress progress(boolean terminal) {
    return new AuditReplayCommand.Progress(new PrintWriter(err, true), terminal, nanos::get);
  }

  private void advanceSeconds(long seconds) {
    nanos.addAndGet(seconds * 1_000_000_000L);
  }

  @Test
  void shouldPrintAProgressLineEveryTenSecondsWhenStderrIsNoTerminal() {
    AuditReplayCommand.Progress progress = progress(false);
    progress.total(400_000);

    advanceSeconds(9);
    progress.step(90_000);
    assertThat(err.toString()).as("a short replay prints no progress").isEmpty();

    advanceSeconds(1);
    progress.step(100_000);
    advanceSeconds(5);
    progress.step(150_000);
    advanceSeconds(5);
    progress.step(200_000);
    progress.done(200_000);

    assertThat(err.toString().lines())
        .containsExactly(
            "replay: 100,000 of 400,000 events (25%), 10,000 events/s",
            "replay: 200,000 of 400,000 events (50%), 10,000 events/s");
  }

  @Test
  void shouldDrawABarInPlaceOnATerminalAndEndItWithANewline() {
    AuditReplayCommand.Progress progress = progress(true);
    progress.total(10);

    advanceSeconds(1);
    progress.step(5);
    progress.done(10);

    assertThat(err.toString())
        .startsWith("\r[###############               ] 50% 5 of 10 events, 5 events/s")
        .endsWith("\r[##############################] 100% 10 of 10 events, 10 events/s\n");
  }
}
