package io.tokenwatch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenwatch.audit.AuditFilter;
import io.tokenwatch.audit.TimeArgument;
import io.tokenwatch.audit.VerificationReport;
import io.tokenwatch.audit.app.AuditSinkConfig;
import io.tokenwatch.audit.http.AuditJson;
import io.tokenwatch.audit.store.AuditQueries;
import io.tokenwatch.audit.store.AuditStore;
import io.tokenwatch.audit.store.Exporter;
import io.tokenwatch.audit.store.KeyFiles;
import io.tokenwatch.audit.store.StoreException;
import io.tokenwatch.audit.store.StoreVerifier;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tokenwatch audit ...}: the analyst's commands over the audit store. They open the store
 * file read-only; DuckDB lets one process write or several read, so while an audit sink runs on
 * that file they say so and the same questions go to its HTTP API with {@code --url} and {@code
 * --token}.
 */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    description = {
      "Query, replay, export and verify the audit history.",
      "Reads the store file read-only (--data-dir, --db). While an audit sink holds the file,"
          + " ask its HTTP API instead: --url http://localhost:8095 --access-token <token with"
          + " audit:read>."
    },
    subcommands = {
      AuditCommand.Query.class,
      AuditCommand.Grants.class,
      AuditCommand.Timeline.class,
      AuditCommand.LeastPrivilegeCommand.class,
      AuditCommand.Verify.class,
      AuditReplayCommand.class,
      AuditCommand.Export.class
    })
final class AuditCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 0;
  }

  /** {@code --format} and the printing of rows, for the commands that list events or grants. */
  static final class Rows {
    @Option(
        names = "--format",
        defaultValue = "table",
        description = "table, jsonl or csv. Default: ${DEFAULT-VALUE}.")
    AuditOutput.Format format = AuditOutput.Format.table;

    void print(CommandSpec spec, List<ObjectNode> rows, List<AuditOutput.Column> columns) {
      AuditOutput.print(spec.commandLine().getOut(), rows, columns, format);
    }
  }

  /** Where the history is: the store file, or a running sink's API. */
  static final class Source {
    @Option(
        names = "--data-dir",
        defaultValue = "${env:TOKENWATCH_DATA_DIR:-data}",
        description =
            "Platform data directory; the store is <data-dir>/audit-sink/audit.duckdb."
                + " Default: $TOKENWATCH_DATA_DIR, else ./data.")
    Path dataDir = Path.of("data");

    @Option(names = "--db", description = "The store file, if not under --data-dir.")
    @Nullable Path db;

    @Option(
        names = "--url",
        description = "Ask a running audit sink's HTTP API instead of reading the file.")
    @Nullable String url;

    @Option(
        names = "--access-token",
        defaultValue = "${env:TOKENWATCH_AUDIT_TOKEN}",
        description =
            "Access token for --url (audience urn:tokenwatch:audit, scope audit:read)."
                + " Default: $TOKENWATCH_AUDIT_TOKEN.")
    @Nullable String token;

    Path auditDir() {
      return db != null && db.toAbsolutePath().getParent() != null
          ? db.toAbsolutePath().getParent()
          : dataDir.resolve("audit-sink");
    }

    Path dbFile() {
      return db != null
          ? db
          : dataDir.resolve("audit-sink").resolve(AuditSinkConfig.DEFAULT_DB_FILE);
    }

    boolean remote() {
      return url != null;
    }

    AuditStore open() {
      return AuditStore.openReadOnly(dbFile());
    }

    JsonNode get(String path, Map<String, String> params) {
      String base = url == null ? "" : url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
      StringBuilder query = new StringBuilder();
      params.forEach(
          (name, value) ->
              query
                  .append(query.length() == 0 ? "?" : "&")
                  .append(name)
                  .append('=')
                  .append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
      if (token == null || token.isBlank()) {
        throw new IllegalArgumentException(
            "--url needs --access-token (or TOKENWATCH_AUDIT_TOKEN)");
      }
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(base + path + query))
              .timeout(Duration.ofSeconds(60))
              .header("Authorization", "Bearer " + token)
              .GET()
              .build();
      try {
        HttpResponse<String> response =
            HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        JsonNode body = AuditJson.payload(response.body());
        if (response.statusCode() != 200) {
          throw new StoreException(
              "the audit API answered "
                  + response.statusCode()
                  + ": "
                  + AuditOutput.text(body, "detail"));
        }
        return body;
      } catch (IOException e) {
        throw new StoreException("cannot reach the audit API at " + base + ": " + e, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StoreException("interrupted", e);
      }
    }
  }

  /** The filter options shared by query, grants, replay and export. */
  static final class Filters {
    @Option(names = "--subject", description = "Token subject.")
    @Nullable String subject;

    @Option(names = "--client", description = "Client id.")
    @Nullable String client;

    @Option(names = "--token", description = "Token id (jti).")
    @Nullable String tokenId;

    @Option(names = "--grant", description = "Grant id.")
    @Nullable String grant;

    @Option(
        names = "--type",
        split = ",",
        description = "Event types, e.g. TokenIssued,TokenUsed (repeatable).")
    List<String> types = new ArrayList<>();

    @Option(names = "--decision", description = "e.g. ALLOWED, DENIED, ISSUED, REVOKED.")
    @Nullable String decision;

    @Option(names = "--reason", description = "e.g. REVOKED, ADMIN, SCOPE_NOT_APPROVED.")
    @Nullable String reason;

    @Option(
        names = "--from",
        description = "Earliest time (inclusive): ISO instant, date, epoch ms or age like 24h.")
    @Nullable String from;

    @Option(names = "--to", description = "Latest time (exclusive), same forms as --from.")
    @Nullable String to;

    AuditFilter filter(int limit, Clock clock) {
      return new AuditFilter(
          subject,
          client,
          tokenId,
          grant,
          new LinkedHashSet<>(types),
          decision,
          reason,
          from == null ? null : TimeArgument.parse(from, clock),
          to == null ? null : TimeArgument.parse(to, clock),
          limit);
    }

    Map<String, String> params(int limit) {
      Map<String, String> params = new LinkedHashMap<>();
      put(params, "subject", subject);
      put(params, "client", client);
      put(params, "token", tokenId);
      put(params, "grant", grant);
      if (!types.isEmpty()) {
        params.put("type", String.join(",", types));
      }
      put(params, "decision", decision);
      put(params, "reason", reason);
      put(params, "from", from);
      put(params, "to", to);
      params.put("limit", Integer.toString(limit));
      return params;
    }

    private static void put(Map<String, String> params, String name, @Nullable String value) {
      if (value != null) {
        params.put(name, value);
      }
    }
  }

  @Command(
      name = "query",
      mixinStandardHelpOptions = true,
      description = "Events matching the filters, oldest first.")
  static final class Query implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Source source;

    @ArgGroup(exclusive = false)
    @Nullable Filters filters;

    @Option(names = "--limit", defaultValue = "100", description = "At most this many rows.")
    int limit = 100;

    @Mixin Rows output;

    @Override
    public Integer call() {
      Filters f = filters == null ? new Filters() : filters;
      List<ObjectNode> rows;
      if (source.remote()) {
        rows = AuditOutput.objects(source.get("/api/v1/events", f.params(limit)).path("events"));
      } else {
        AuditFilter filter = f.filter(limit, Clock.systemUTC());
        try (AuditStore store = source.open()) {
          rows = new AuditQueries(store).query(filter).stream().map(AuditJson::event).toList();
        }
      }
      output.print(spec, rows, AuditOutput.EVENT_COLUMNS);
      return 0;
    }
  }

  @Command(
      name = "grants",
      mixinStandardHelpOptions = true,
      description =
          "Who granted what to whom, when, why and under which policy version, with each"
              + " grant's state now (active, expired, revoked and why).")
  static final class Grants implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Source source;

    @ArgGroup(exclusive = false)
    @Nullable Filters filters;

    @Option(names = "--limit", defaultValue = "100", description = "At most this many rows.")
    int limit = 100;

    @Mixin Rows output;

    @Override
    public Integer call() {
      Filters f = filters == null ? new Filters() : filters;
      List<ObjectNode> rows;
      if (source.remote()) {
        Map<String, String> params = f.params(limit);
        params.remove("type");
        rows = AuditOutput.objects(source.get("/api/v1/grants", params).path("grants"));
      } else {
        Clock clock = Clock.systemUTC();
        AuditFilter filter = f.filter(limit, clock);
        try (AuditStore store = source.open()) {
          rows =
              new AuditQueries(store)
                  .grants(filter, clock.millis()).stream().map(AuditJson::grant).toList();
        }
      }
      output.print(spec, rows, AuditOutput.GRANT_COLUMNS);
      return 0;
    }
  }

  @Command(
      name = "timeline",
      mixinStandardHelpOptions = true,
      description =
          "One token's life: issuance, uses and denials, alerts, and the revocation requests"
              + " and revocations that cover it (id, lineage, grant, subject, client, audience,"
              + " within their issued_before watermark).")
  static final class Timeline implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Source source;

    @Option(names = "--token", required = true, description = "The token id (jti).")
    String tokenId = "";

    @Option(names = "--limit", defaultValue = "1000", description = "At most this many events.")
    int limit = 1000;

    @Mixin Rows output;

    @Override
    public Integer call() {
      if (tokenId.isBlank() || limit < 1 || limit > AuditFilter.MAX_LIMIT) {
        throw new IllegalArgumentException("--token must not be empty; --limit 1 to 1000000");
      }
      List<ObjectNode> rows;
      if (source.remote()) {
        rows =
            AuditOutput.objects(
                source
                    .get(
                        "/api/v1/tokens/"
                            + URLEncoder.encode(tokenId, StandardCharsets.UTF_8).replace("+", "%20")
                            + "/timeline",
                        Map.of("limit", Integer.toString(Math.min(limit, 10_000))))
                    .path("events"));
      } else {
        try (AuditStore store = source.open()) {
          rows =
              new AuditQueries(store)
                  .timeline(tokenId, limit).stream().map(AuditJson::event).toList();
        }
      }
      output.print(spec, rows, AuditOutput.EVENT_COLUMNS);
      return 0;
    }
  }

  @Command(
      name = "least-privilege",
      mixinStandardHelpOptions = true,
      description =
          "Scopes granted versus scopes exercised by allowed uses, per client (and per subject for"
              + " delegated tokens): grants that can be narrowed, idle clients, unused scopes.")
  static final class LeastPrivilegeCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Source source;

    @Option(names = "--days", defaultValue = "30", description = "Window. Default: 30.")
    int days = 30;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Override
    public Integer call() {
      if (days < 1 || days > 3650) {
        throw new IllegalArgumentException("--days must be between 1 and 3650");
      }
      JsonNode report;
      if (source.remote()) {
        report = source.get("/api/v1/least-privilege", Map.of("days", Integer.toString(days)));
      } else {
        long from = Clock.systemUTC().millis() - Duration.ofDays(days).toMillis();
        try (AuditStore store = source.open()) {
          report = AuditJson.leastPrivilege(new AuditQueries(store).leastPrivilege(from), days);
        }
      }
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        out.println(report.toPrettyString());
        out.flush();
        return 0;
      }
      out.println(
          "Least privilege over the last "
              + days
              + " days: "
              + report.path("principals").asInt()
              + " principals with grants");
      out.println();
      out.println("Grants that can be narrowed (" + report.path("narrowable").size() + "):");
      for (JsonNode n : report.path("narrowable")) {
        out.println(
            "  "
                + principal(n)
                + ": granted ["
                + list(n.path("granted"))
                + "], used ["
                + list(n.path("exercised"))
                + "], never used ["
                + list(n.path("unused"))
                + "] over "
                + n.path("tokens").asLong()
                + " tokens, "
                + n.path("allowed_uses").asLong()
                + " allowed uses");
      }
      out.println();
      out.println(
          "Principals that never used what they were granted ("
              + report.path("idle").size()
              + "):");
      for (JsonNode n : report.path("idle")) {
        out.println(
            "  "
                + principal(n)
                + ": "
                + n.path("tokens").asLong()
                + " tokens, granted ["
                + list(n.path("granted"))
                + "]");
      }
      out.println();
      out.println("Scopes nobody used (" + report.path("unused_scopes").size() + "):");
      for (JsonNode s : report.path("unused_scopes")) {
        out.println(
            "  "
                + AuditOutput.printable(s.path("scope").asText())
                + ": granted in "
                + s.path("granted_tokens").asLong()
                + " tokens to "
                + s.path("principals").asInt()
                + " principals");
      }
      out.flush();
      return 0;
    }

    private static String principal(JsonNode n) {
      String client = AuditOutput.printable(n.path("client_id").asText());
      String subject = AuditOutput.text(n, "on_behalf_of");
      return subject.isEmpty() ? client : client + " for " + AuditOutput.printable(subject);
    }

    private static String list(JsonNode array) {
      List<String> values = new ArrayList<>();
      array.forEach(v -> values.add(AuditOutput.printable(v.asText())));
      return String.join(" ", values);
    }
  }

  @Command(
      name = "verify",
      mixinStandardHelpOptions = true,
      description = {
        "Recomputes every hash chain and checks every signed checkpoint; reports the first"
            + " altered, missing, inserted or reordered record of each chain and any forged"
            + " checkpoint, or that the history verifies, with counts.",
        "Exit code 0 when it verifies, 1 when it does not."
      })
  static final class Verify implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Source source;

    @Option(
        names = "--public-key",
        description =
            "The checkpoint public key (DER); default <data-dir>/audit-sink/"
                + KeyFiles.PUBLIC_KEY
                + ". Keep a copy elsewhere: a key replaced along with the data proves nothing.")
    @Nullable Path publicKey;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Option(names = "--threads", defaultValue = "2", description = "Chains verified at once.")
    int threads = 2;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      JsonNode report;
      boolean verifies;
      if (source.remote()) {
        report = source.get("/api/v1/verify", Map.of());
        verifies = report.path("verifies").asBoolean(false);
      } else {
        long started = System.nanoTime();
        VerificationReport result;
        try (AuditStore store = source.open()) {
          var key =
              publicKey != null
                  ? KeyFiles.publicKeyFile(publicKey)
                  : KeyFiles.publicKey(source.auditDir());
          result = StoreVerifier.verify(store, key, Math.max(1, Math.min(threads, 64)));
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        report = AuditJson.report(result);
        verifies = result.verifies();
        if (!json) {
          out.println(result.describe());
          out.printf(
              "verified in %.2f s (%.0f records/s)%n",
              seconds, seconds > 0 ? result.records() / seconds : 0.0);
          out.flush();
          return verifies ? 0 : 1;
        }
      }
      if (json) {
        out.println(report.toPrettyString());
      } else {
        out.println(
            (verifies ? "history verifies: " : "history does NOT verify: ")
                + report.path("records").asLong()
                + " records, "
                + report.path("checkpoints").asLong()
                + " checkpoints");
        for (JsonNode finding : report.path("findings")) {
          out.println("  " + AuditOutput.printable(finding.path("detail").asText()));
        }
      }
      out.flush();
      return verifies ? 0 : 1;
    }
  }

  @Command(
      name = "export",
      mixinStandardHelpOptions = true,
      description =
          "Writes the events matching the filters, oldest first, to a Parquet or CSV file (the"
              + " extension picks the format).")
  static final class Export implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Source source;

    @ArgGroup(exclusive = false)
    @Nullable Filters filters;

    @Option(names = "--out", required = true, description = "The file: *.parquet or *.csv.")
    String out = "";

    @Option(names = "--force", description = "Overwrite an existing file.")
    boolean force;

    @Override
    public Integer call() {
      if (source.remote()) {
        throw new IllegalArgumentException("export reads the store file; it has no --url mode");
      }
      Exporter.Target target = Exporter.target(out, force);
      Filters f = filters == null ? new Filters() : filters;
      AuditFilter filter = f.filter(1, Clock.systemUTC());
      long rows;
      try (AuditStore store = source.open()) {
        rows = new Exporter(store).export(filter, target);
      }
      spec.commandLine()
          .getOut()
          .println(
              "exported "
                  + rows
                  + " events to "
                  + target.path()
                  + " ("
                  + target.format().name().toLowerCase(java.util.Locale.ROOT)
                  + ")");
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
