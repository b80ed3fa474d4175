package io.tokenwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code tokenwatch demo} as a newcomer runs it, shortened: every scripted attack is detected,
 * every revoked token is denied by every validator, and the summary reports what it measured.
 */
@Tag("integration")
class DemoIntegrationTest {

  @TempDir Path dataDir;

  @Test
  void shouldDetectEveryScriptedAttackAndDenyEveryRevokedToken() {
    CommandLine cli = Tokenwatch.commandLine();
    StringWriter out = new StringWriter();
    cli.setOut(new PrintWriter(out, true));

    int exit =
        cli.execute("demo", "--duration", "30s", "--rate", "30", "--data-dir", dataDir.toString());

    String narration = out.toString();
    assertThat(exit).as(narration).isZero();
    assertThat(narration)
        .contains("Every scripted attack was detected and every revoked token was denied.")
        .doesNotContain("MISSED")
        .doesNotContain("FAILED");
    for (String rule :
        new String[] {
          "UNFAMILIAR_CLIENT",
          "REPLAY_AFTER_REVOCATION",
          "SCOPE_ESCALATION",
          "MAX_USE_OVERSHOOT",
          "REFRESH_TOKEN_REUSE"
        }) {
      assertThat(narration).containsPattern("(?m)^ +detected .*" + rule + "$");
    }
    Matcher revoked =
        Pattern.compile("revoked: +(\\d+) tokens revoked, (\\d+) denied by all 3 validators")
            .matcher(narration);
    assertThat(revoked.find()).as(narration).isTrue();
    assertThat(Integer.parseInt(revoked.group(1))).isPositive();
    assertThat(revoked.group(2)).isEqualTo(revoked.group(1));
    assertThat(narration).containsPattern("propagation: +p50 [0-9.]+ ms, p90");
    assertThat(narration)
        .containsPattern(
            "audit: +[1-9][0-9]* events stored, [0-9]+ signed checkpoints, chain verified");
  }
}
