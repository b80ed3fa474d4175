package io.tokenwatch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tokenwatch audit least-privilege}: scopes granted versus scopes exercised. */
@Command(
    name = "least-privilege",
    mixinStandardHelpOptions = true,
    description = {
      "Scopes granted versus scopes exercised by allowed uses, per client (and per subject for"
          + " delegated tokens): grants that can be narrowed, idle clients, unused scopes.",
      "With --open-request: for each client with scopes it never used (its own tokens, not"
          + " delegated ones), open an access request of kind NARROW at the issuer that proposes"
          + " taking them away (POST /access-requests, HTTP Basic as --user; password from"
          + " $TOKENWATCH_PASSWORD or --password-file, never on the command line)."
    })
final class AuditLeastPrivilegeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin AuditSourceOptions source;

  @Option(names = "--days", defaultValue = "30", description = "Window. Default: 30.")
  int days = 30;

  @Mixin ReportFormatOption output;

  @Option(
      names = "--open-request",
      description = "Open a NARROW access request at --issuer for each client with unused scopes.")
  boolean openRequest;

  @Option(
      names = "--issuer",
      defaultValue = "http://localhost:9400",
      description = "The issuer's base URL, for --open-request. Default: ${DEFAULT-VALUE}.")
  String issuer = "http://localhost:9400";

  @Option(names = "--user", description = "Who opens the requests (HTTP Basic user name).")
  @Nullable String user;

  @Option(
      names = "--password-file",
      description = "A file whose first line is --user's password. Default: $TOKENWATCH_PASSWORD.")
  @Nullable Path passwordFile;

  @Option(
      names = "--purpose",
      description =
          "The purpose stated in each request. Default: 'least privilege: not used in the last"
              + " <days> days'.")
  @Nullable String purpose;

  @Option(
      names = "--duration",
      defaultValue = "P30D",
      description = "The duration stated in each request (ISO-8601). Default: ${DEFAULT-VALUE}.")
  String duration = "P30D";

  /** Where the password comes from when no file is given; tests replace it. */
  Function<String, @Nullable String> environment = System::getenv;

  @Override
  public Integer call() {
    if (days < 1 || days > 3650) {
      throw new IllegalArgumentException("--days must be between 1 and 3650");
    }
    boolean json = output.isJson(spec);
    NarrowRequests requests = null;
    if (openRequest) {
      String stated = purpose;
      requests =
          new NarrowRequests(
              issuer,
              credentials(),
              stated != null ? stated : "least privilege: not used in the last " + days + " days",
              duration);
    }
    AuditSource history = source.source();
    JsonNode report = history.leastPrivilege(days);
    PrintWriter out = spec.commandLine().getOut();
    if (requests != null) {
      return requests.open(report, history, out, spec.commandLine().getErr());
    }
    if (json) {
      output.printJson(spec, out, report);
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
        "Principals that never used what they were granted (" + report.path("idle").size() + "):");
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

  private NarrowRequests.Credentials credentials() {
    String name = user;
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("--open-request needs --user");
    }
    String password;
    Path file = passwordFile;
    if (file != null) {
      try {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        password = lines.isEmpty() ? "" : lines.get(0).strip();
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read --password-file " + file + ": " + e);
      }
    } else {
      String fromEnv = environment.apply("TOKENWATCH_PASSWORD");
      password = fromEnv == null ? "" : fromEnv;
    }
    if (password.isEmpty()) {
      throw new IllegalArgumentException(
          "--open-request needs --user's password: set TOKENWATCH_PASSWORD or give"
              + " --password-file");
    }
    return new NarrowRequests.Credentials(name, password);
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
