package io.tokenwatch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tokenwatch audit least-privilege}: scopes granted versus scopes exercised. */
@Command(
    name = "least-privilege",
    mixinStandardHelpOptions = true,
    description =
        "Scopes granted versus scopes exercised by allowed uses, per client (and per subject for"
            + " delegated tokens): grants that can be narrowed, idle clients, unused scopes.")
final class AuditLeastPrivilegeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin AuditSourceOptions source;

  @Option(names = "--days", defaultValue = "30", description = "Window. Default: 30.")
  int days = 30;

  @Option(names = "--json", description = "Print the report as JSON.")
  boolean json;

  @Override
  public Integer call() {
    if (days < 1 || days > 3650) {
      throw new IllegalArgumentException("--days must be between 1 and 3650");
    }
    JsonNode report = source.source().leastPrivilege(days);
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
