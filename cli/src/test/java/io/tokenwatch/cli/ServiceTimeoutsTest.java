package io.tokenwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A command that asks a service which accepts connections and never answers ends with a clear error
 * and exit code 1 once its {@code --timeout} ran out, instead of waiting forever.
 */
class ServiceTimeoutsTest {

  @TempDir Path dataDir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = Tokenwatch.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void shouldEndAnAuditQueryAgainstASilentApiWithAClearErrorAfterItsTimeout() throws Exception {
    try (SilentServer api = new SilentServer()) {
      int exit =
          run(
              "audit",
              "query",
              "--url",
              api.url(),
              "--access-token",
              "not-asked-for",
              "--timeout",
              "PT1S");

      assertThat(exit).as(err.toString()).isEqualTo(1);
      assertThat(api.wasCalled()).isTrue();
      assertThat(err.toString())
          .isEqualTo(
              "tokenwatch query: the audit API at "
                  + api.url()
                  + " did not answer within PT1S (--timeout)\n");
      assertThat(out.toString()).isEmpty();
    }
  }

  @Test
  void shouldEndAKeyRotationAgainstASilentIssuerWithAClearErrorAfterItsTimeout() throws Exception {
    Path secret = dataDir.resolve("admin.secret");
    java.nio.file.Files.writeString(secret, "not-checked");
    try (SilentServer issuer = new SilentServer()) {
      int exit =
          run(
              "rotate-keys",
              "--issuer-url",
              issuer.url(),
              "--client-id",
              "security-console",
              "--secret-file",
              secret.toString(),
              "--timeout",
              "PT1S");

      assertThat(exit).as(err.toString()).isEqualTo(1);
      assertThat(issuer.wasCalled()).isTrue();
      assertThat(err.toString())
          .isEqualTo(
              "tokenwatch rotate-keys: the issuer at "
                  + issuer.url()
                  + " did not answer within PT1S (--timeout)\n");
    }
  }

  @Test
  void shouldRefuseATimeoutThatIsNotPositive() {
    assertThat(
            run(
                "audit",
                "query",
                "--url",
                "http://localhost:1",
                "--access-token",
                "t",
                "--timeout",
                "PT0S"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("--timeout must be positive");
  }
}
