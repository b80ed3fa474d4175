package io.tokenwatch.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class AuditCommandTest {

  @TempDir Path dataDir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeEach
  void fill() {
    AuditStoreFixture.fill(dataDir);
  }

  private int run(String... args) {
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
    CommandLine cli = Tokenwatch.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--data-dir";
    all[args.length + 1] = dataDir.toString();
    return cli.execute(all);
  }

  @Test
  void shouldQueryWithFiltersInEveryFormat() {
    assertThat(run("audit", "query", "--subject", "alice", "--decision", "DENIED")).isZero();
    assertThat(out.toString()).contains("e3").doesNotContain("e2").contains("(1 rows)");

    assertThat(run("audit", "query", "--type", "TokenIssued", "--format", "csv")).isZero();
    assertThat(out.toString().lines().toList())
        .hasSize(3)
        .first()
        .asString()
        .startsWith("occurred_at,type,subject");

    assertThat(run("audit", "query", "--token", "t1", "--format", "jsonl")).isZero();
    assertThat(out.toString().lines()).hasSize(3).allMatch(line -> line.startsWith("{"));
  }

  @Test
  void shouldTellGrantsAndTimelines() {
    assertThat(run("audit", "grants", "--format", "jsonl")).isZero();
    assertThat(out.toString()).contains("\"token_id\":\"t1\"").contains("\"state\":");
    assertThat(run("audit", "timeline", "--token", "t1")).isZero();
    assertThat(out.toString()).contains("(3 rows)");
    assertThat(run("audit", "least-privilege", "--days", "3650")).isZero();
    assertThat(out.toString()).contains("Least privilege");
  }

  /** An unsigned-looking compact JWS whose payload names {@code jti}; its signature is junk. */
  static String jwtWithId(String jti) {
    java.util.Base64.Encoder b64 = java.util.Base64.getUrlEncoder().withoutPadding();
    return b64.encodeToString("{\"alg\":\"EdDSA\",\"typ\":\"at+jwt\"}".getBytes(UTF_8))
        + "."
        + b64.encodeToString(("{\"jti\":\"" + jti + "\",\"sub\":\"x\"}").getBytes(UTF_8))
        + ".c2lnbmF0dXJl";
  }

  @Test
  void shouldExplainWhyATokenOrEventExistsInPlainWords() {
    assertThat(run("audit", "why", "t1")).as(err.toString()).isZero();
    assertThat(out.toString())
        .startsWith("Token t1 was granted at 2026-01-01T00:00:00Z to client app for subject alice.")
        .contains("Policy p at digest 3 (no policy change with that digest is in the history).")
        .contains("use allowed by validator")
        .contains("State now: expired.");

    assertThat(run("audit", "why", "e3", "--format", "json")).isZero();
    assertThat(out.toString())
        .contains("\"type\" : \"TokenUsed\"")
        .contains("\"outcome\" : \"denied\"");

    assertThat(run("audit", "why", jwtWithId("t2"))).isZero();
    assertThat(out.toString())
        .startsWith("(the JWT's id is t2, read without verifying the token)\nToken t2 was granted");
  }

  @Test
  void shouldExitOneWhenNothingHasTheIdAndTwoOnAJwtWithoutOne() {
    assertThat(run("audit", "why", "nobody")).isEqualTo(1);
    assertThat(out.toString()).startsWith("Nothing in the audit history has the id nobody");

    assertThat(run("audit", "why", "eyJhbGciOiJub25lIn0.bm90LWpzb24.x")).isEqualTo(2);
    assertThat(err.toString()).contains("no readable 'jti'");
  }

  @Test
  void shouldShowASubjectsTimelineAndRefuseTokenAndSubjectTogether() {
    assertThat(run("audit", "timeline", "--subject", "bob", "--format", "jsonl")).isZero();
    assertThat(out.toString().strip().lines()).hasSize(1).allMatch(l -> l.contains("\"t2\""));
    assertThat(run("audit", "timeline")).isEqualTo(2);
    assertThat(run("audit", "timeline", "--token", "t1", "--subject", "bob")).isEqualTo(2);
  }

  @Test
  void shouldVerifyAndFailOnTampering() throws Exception {
    assertThat(run("audit", "verify")).isZero();
    assertThat(out.toString()).contains("history verifies: 4 records");

    try (var connection =
            DriverManager.getConnection(
                "jdbc:duckdb:" + dataDir.resolve("audit-sink").resolve("audit.duckdb"));
        Statement statement = connection.createStatement()) {
      statement.execute("UPDATE audit_events SET decision = 'ALLOWED' WHERE event_id = 'e3'");
    }
    assertThat(run("audit", "verify")).isEqualTo(1);
    assertThat(out.toString()).contains("altered record at tokenwatch.token-used/0 seq 2");
  }

  @Test
  void shouldReplayAndExport() throws Exception {
    assertThat(
            run(
                "audit",
                "replay",
                "--from",
                "2026-01-01T00:00:01Z",
                "--to",
                "2026-01-01T00:00:03Z"))
        .isZero();
    assertThat(out.toString().lines().toList())
        .hasSize(2)
        .allMatch(line -> line.contains("\"source\":{\"topic\":\"tokenwatch.token-used\""));

    Path parquet = dataDir.resolve("out.parquet");
    assertThat(run("audit", "export", "--out", parquet.toString())).isZero();
    assertThat(out.toString()).contains("exported 4 events");
    assertThat(Files.size(parquet)).isPositive();
    assertThat(run("audit", "export", "--out", parquet.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("--force");
  }

  @Test
  void shouldRefuseBadInputWithUsageExitCode() {
    assertThat(run("audit", "query", "--from", "yesterday")).isEqualTo(2);
    assertThat(err.toString()).contains("not a time");
    assertThat(run("audit", "export", "--out", "../../x.csv")).isEqualTo(2);
    assertThat(run("audit", "replay", "--to-topic", "tokenwatch.token-used", "--source", "kafka"))
        .isEqualTo(2);
    assertThat(run("audit", "replay", "--to-topic", "tokenwatch.revocations")).isEqualTo(2);
    assertThat(err.toString()).contains("not one of the catalogue's");
  }

  @Test
  void shouldSayWhenThereIsNoStore() {
    assertThat(run("audit", "query", "--db", dataDir.resolve("none.duckdb").toString()))
        .isEqualTo(1);
    assertThat(err.toString()).contains("no audit store");
  }
}
