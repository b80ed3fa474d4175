package io.tokenwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code tokenwatch access} refuses bad input and an unreachable issuer with a clear message. */
class AccessCommandTest {

  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = Tokenwatch.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void shouldRefuseARequestIdThatIsNotOne() throws Exception {
    Path password = Files.writeString(dir.resolve("pw"), "secret\n");

    int code =
        run(
            "access",
            "approve",
            "../../admin",
            "--user",
            "bob",
            "--password-file",
            password.toString());

    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("not a request id (req-<uuid>): ../../admin");
  }

  @Test
  void shouldRefuseAScopeRequestWithoutDuration() throws Exception {
    Path password = Files.writeString(dir.resolve("pw"), "secret\n");

    int code =
        run(
            "access",
            "request",
            "--client",
            "orders-service",
            "--audience",
            "https://orders.example.com",
            "--scope",
            "orders:export",
            "--purpose",
            "export",
            "--user",
            "ann",
            "--password-file",
            password.toString());

    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--duration is required");
  }

  @Test
  void shouldSayTheIssuerCannotBeReachedAndExitOne() throws Exception {
    Path password = Files.writeString(dir.resolve("pw"), "secret\n");
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }

    int code =
        run(
            "access",
            "list",
            "--issuer",
            "http://127.0.0.1:" + port,
            "--user",
            "ann",
            "--password-file",
            password.toString());

    assertThat(code).isEqualTo(1);
    assertThat(err.toString()).contains("cannot reach the issuer at http://127.0.0.1:" + port);
    assertThat(err.toString()).doesNotContain("Exception").doesNotContain("secret");
  }

  @Test
  void shouldAskForAPasswordSourceWhenNoneIsGiven() {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        System.getenv("TOKENWATCH_PASSWORD") == null, "TOKENWATCH_PASSWORD is set here");

    int code = run("access", "list", "--user", "ann");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("set TOKENWATCH_PASSWORD or pass --password-file");
  }
}
