package io.tokenwatch.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tokenwatch policy history|diff|rollback}: the issuer's policy history over its HTTP API,
 * as a person of the issuer's users (HTTP Basic; the password from {@code $TOKENWATCH_PASSWORD} or
 * {@code --password-file}, never from the command line).
 */
@Command(
    name = "policy",
    mixinStandardHelpOptions = true,
    description = "The policy history of a running issuer: list it, compare versions, roll back.",
    subcommands = {
      PolicyCommand.History.class,
      PolicyCommand.Diff.class,
      PolicyCommand.Rollback.class
    })
final class PolicyCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "name a subcommand: history, diff, rollback");
  }

  /** Where the password comes from; tests replace it. */
  static Map<String, String> environment = System.getenv();

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The issuer and the person calling it. */
  static final class Caller {
    @Option(
        names = "--issuer",
        defaultValue = "http://localhost:9400",
        description = "The issuer's URL. Default: ${DEFAULT-VALUE}.")
    String issuer = "http://localhost:9400";

    @Option(names = "--user", required = true, description = "Your user name at the issuer.")
    String user = "";

    @Option(
        names = "--password-file",
        description = "File holding your password; default: $TOKENWATCH_PASSWORD.")
    @Nullable Path passwordFile;

    private boolean failed;

    @Mixin ReportFormatOption.WithJsonAlias output;

    String password(CommandSpec spec) throws IOException {
      if (passwordFile != null) {
        return Files.readString(passwordFile, StandardCharsets.UTF_8).strip();
      }
      String fromEnvironment = environment.get("TOKENWATCH_PASSWORD");
      if (fromEnvironment == null || fromEnvironment.isEmpty()) {
        throw new ParameterException(
            spec.commandLine(), "set TOKENWATCH_PASSWORD or pass --password-file");
      }
      return fromEnvironment;
    }

    /** Sends the request; the answer's JSON, or null once the failure has been reported. */
    @Nullable JsonNode call(CommandSpec spec, String method, String path, @Nullable String body)
        throws IOException, InterruptedException {
      String credentials = user + ":" + password(spec);
      URI uri;
      try {
        uri = URI.create(issuer.replaceAll("/+$", "") + path);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--issuer is not a URL: " + issuer);
      }
      HttpRequest.Builder request =
          HttpRequest.newBuilder(uri)
              .timeout(Duration.ofSeconds(30))
              .header("Accept", "application/json")
              .header(
                  "Authorization",
                  "Basic "
                      + Base64.getEncoder()
                          .encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
      if (body == null) {
        request.GET();
      } else {
        request.header("Content-Type", "application/json");
        request.method(method, HttpRequest.BodyPublishers.ofString(body));
      }
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      HttpResponse<String> response;
      try {
        response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
      } catch (ConnectException e) {
        fail(spec, "cannot reach the issuer at " + issuer);
        return null;
      } catch (HttpTimeoutException e) {
        fail(spec, "the issuer at " + issuer + " did not answer in time");
        return null;
      }
      JsonNode answer;
      try {
        answer = JSON.readTree(response.body());
      } catch (JsonProcessingException e) {
        answer = null;
      }
      if (response.statusCode() / 100 != 2 || answer == null) {
        String detail =
            answer != null && answer.hasNonNull("detail")
                ? answer.get("detail").asText()
                : "an answer that is not the policy API's";
        fail(spec, "the issuer answered " + response.statusCode() + ": " + detail);
        return null;
      }
      if (output.isJson(spec)) {
        output.printJson(spec, spec.commandLine().getOut(), answer);
        return null;
      }
      return answer;
    }

    private void fail(CommandSpec spec, String message) {
      spec.commandLine().getErr().println(spec.qualifiedName() + ": " + message);
      failed = true;
    }

    /** The exit code: 1 once a call failed, else 0. */
    int exit() {
      return failed ? 1 : 0;
    }
  }

  private static void printVersion(PrintWriter out, JsonNode version) {
    out.printf(
        "%d  %s  %s by %s  %s%s%n",
        version.get("version").asLong(),
        version.get("occurred_at").asText(),
        version.get("source").asText().toLowerCase(java.util.Locale.ROOT).replace('_', ' '),
        version.get("author").asText(),
        version.get("digest").asText(),
        version.hasNonNull("rolled_back_to")
            ? "  (restores version " + version.get("rolled_back_to").asLong() + ")"
            : "");
    for (JsonNode approval : version.path("approvals")) {
      out.println("    approval: " + approval.asText());
    }
    for (JsonNode line : version.path("diff")) {
      out.println("    " + line.asText());
    }
  }

  @Command(
      name = "history",
      mixinStandardHelpOptions = true,
      description = {
        "Lists every version of the policy in force, oldest first, with its diff.",
        "Needs the role auditor, analyst, approver or admin."
      })
  static final class History implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Caller caller = new Caller();

    @Override
    public Integer call() throws IOException, InterruptedException {
      JsonNode answer = caller.call(spec, "GET", "/policy/history", null);
      if (answer != null) {
        PrintWriter out = spec.commandLine().getOut();
        out.println(
            "policy "
                + answer.get("policy_id").asText()
                + ", in force: "
                + answer.get("in_force").asText());
        for (JsonNode version : answer.get("versions")) {
          printVersion(out, version);
        }
        JsonNode pending = caller.call(spec, "GET", "/policy/pending", null);
        if (pending != null && pending.hasNonNull("pending")) {
          JsonNode change = pending.get("pending");
          out.println(
              "pending: "
                  + change.get("digest").asText()
                  + " by "
                  + change.get("requester").asText()
                  + ", waiting for approval of access request "
                  + change.get("request_id").asText());
          for (JsonNode line : change.path("diff")) {
            out.println("    " + line.asText());
          }
        }
      }
      return caller.exit();
    }
  }

  @Command(
      name = "diff",
      mixinStandardHelpOptions = true,
      description = {
        "Shows what changed from version FROM to version TO.",
        "Needs the role auditor, analyst, approver or admin."
      })
  static final class Diff implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Caller caller = new Caller();

    @Parameters(index = "0", paramLabel = "FROM", description = "The older version.")
    long from;

    @Parameters(index = "1", paramLabel = "TO", description = "The newer version.")
    long to;

    @Override
    public Integer call() throws IOException, InterruptedException {
      JsonNode answer = caller.call(spec, "GET", "/policy/diff?from=" + from + "&to=" + to, null);
      if (answer != null) {
        PrintWriter out = spec.commandLine().getOut();
        if (answer.get("lines").isEmpty()) {
          out.println("versions " + from + " and " + to + " are the same policy");
        }
        for (JsonNode line : answer.get("lines")) {
          out.println(line.asText());
        }
      }
      return caller.exit();
    }
  }

  @Command(
      name = "rollback",
      mixinStandardHelpOptions = true,
      description = {
        "Restores the document of VERSION as a new version (history is never rewritten).",
        "Needs the role admin. A rollback that gives a client a scope at or above the approval"
            + " risk waits for approval like any widening change."
      })
  static final class Rollback implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Caller caller = new Caller();

    @Parameters(index = "0", paramLabel = "VERSION", description = "The version to restore.")
    long version;

    @Override
    public Integer call() throws IOException, InterruptedException {
      JsonNode answer =
          caller.call(spec, "POST", "/policy/rollback", "{\"version\": " + version + "}");
      if (answer != null) {
        PrintWriter out = spec.commandLine().getOut();
        if ("pending_approval".equals(answer.path("status").asText())) {
          out.println(
              "version "
                  + version
                  + " is back in the policy file but waits for approval of access request "
                  + answer.get("request_id").asText());
        } else {
          out.println("rolled back to version " + version + " as version:");
          printVersion(out, answer);
        }
      }
      return caller.exit();
    }
  }
}
