package io.tokenwatch.cli;

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
