package io.tokenwatch.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The subcommands of {@code tokenwatch access}. */
final class AccessCommands {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern REQUEST_ID = Pattern.compile("req-[0-9a-f-]{36}");

  private AccessCommands() {}

  /** Where the issuer is, who acts, and how answers are shown; shared by every subcommand. */
  static final class Connection {

    /** Environment variable holding the password of {@code --user}. */
    static final String PASSWORD_VARIABLE = "TOKENWATCH_PASSWORD";

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(
        names = "--issuer",
        defaultValue = "http://localhost:9400",
        description = "The issuer's URL. Default: ${DEFAULT-VALUE}.")
    String issuer = "http://localhost:9400";

    @Option(names = "--user", required = true, description = "Your user name at the issuer.")
    String user = "";

    @Option(
        names = "--password-file",
        description = "File holding your password; default: $" + PASSWORD_VARIABLE + ".")
    @Nullable Path passwordFile;

    @Mixin ReportFormatOption.WithJsonAlias output;

    @Option(
        names = "--timeout",
        defaultValue = "PT30S",
        description = "How long to wait for the issuer (ISO-8601). Default: ${DEFAULT-VALUE}.")
    String timeout = "PT30S";

    HttpResponse<String> get(String path) {
      return send(request(path).GET());
    }

    HttpResponse<String> post(String path, String body) {
      return send(
          request(path)
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private HttpRequest.Builder request(String path) {
      URI uri;
      try {
        uri = URI.create(issuer.replaceAll("/+$", "") + path);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--issuer is not a URL: " + issuer);
      }
      if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
        throw new ParameterException(spec.commandLine(), "--issuer must be an http(s) URL");
      }
      return HttpRequest.newBuilder(uri)
          .timeout(timeout())
          .header("Accept", "application/json")
          .header("Authorization", "Basic " + credentials());
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
      HttpClient http = HttpClient.newBuilder().connectTimeout(timeout()).build();
      try {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      } catch (HttpTimeoutException e) {
        throw new Unreachable("the issuer at " + issuer + " did not answer within " + timeout());
      } catch (ConnectException e) {
        throw new Unreachable("cannot reach the issuer at " + issuer);
      } catch (IOException e) {
        throw new Unreachable("cannot talk to the issuer at " + issuer + ": " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new Unreachable("interrupted");
      }
    }

    private Duration timeout() {
      try {
        Duration parsed = Duration.parse(timeout);
        if (parsed.isNegative() || parsed.isZero()) {
          throw new ParameterException(spec.commandLine(), "--timeout must be positive");
        }
        return parsed;
      } catch (DateTimeParseException e) {
        throw new ParameterException(
            spec.commandLine(), "--timeout must be an ISO-8601 duration such as PT30S");
      }
    }

    private String credentials() {
      String password;
      if (passwordFile != null) {
        try {
          password = Files.readString(passwordFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
          throw new ParameterException(
              spec.commandLine(), "cannot read --password-file " + passwordFile);
        }
        password = password.lines().findFirst().orElse("");
      } else {
        String fromEnvironment = System.getenv(PASSWORD_VARIABLE);
        if (fromEnvironment == null || fromEnvironment.isEmpty()) {
          throw new ParameterException(
              spec.commandLine(), "set " + PASSWORD_VARIABLE + " or pass --password-file");
        }
        password = fromEnvironment;
      }
      return Base64.getEncoder()
          .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Prints a successful answer (its JSON with {@code --format json}, else a table) and returns 0,
     * or says why the issuer refused and returns 1.
     */
    int answer(HttpResponse<String> response, java.util.function.Function<JsonNode, String> table) {
      PrintWriter out = spec.commandLine().getOut();
      if (response.statusCode() / 100 == 2) {
        JsonNode body = parse(response.body());
        if (output.isJson(spec)) {
          output.printJson(spec, out, body);
        } else {
          out.print(table.apply(body));
        }
        out.flush();
        return 0;
      }
      spec.commandLine()
          .getErr()
          .println(
              "tokenwatch "
                  + spec.qualifiedName(" ").replaceFirst("^tokenwatch ", "")
                  + ": "
                  + refusal(response));
      return 1;
    }

    private static String refusal(HttpResponse<String> response) {
      try {
        JsonNode body = JSON.readTree(response.body());
        if (body != null && body.hasNonNull("detail")) {
          return response.statusCode()
              + " "
              + body.path("title").asText("")
              + ": "
              + body.get("detail").asText();
        }
        if (body != null && body.hasNonNull("error_description")) {
          return response.statusCode() + ": " + body.get("error_description").asText();
        }
      } catch (JsonProcessingException e) {
        // not JSON: say only the status
      }
      return "the issuer answered " + response.statusCode();
    }
  }

  /** The issuer could not be reached or did not answer in time. */
  static final class Unreachable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unreachable(String message) {
      super(message);
    }
  }

  @Command(
      name = "request",
      mixinStandardHelpOptions = true,
      description = {
        "Ask for scopes a client's policy does not grant for an audience, for a while.",
        "High- and critical-risk scopes need two approvers, others one; you cannot approve your"
            + " own request."
      })
  static final class Request implements Callable<Integer> {
    @Mixin Connection connection;

    @Option(names = "--client", required = true, description = "The client to get the scopes.")
    String client = "";

    @Option(names = "--audience", required = true, description = "The audience they are for.")
    String audience = "";

    @Option(
        names = "--scope",
        required = true,
        arity = "1..*",
        description = "A scope to ask for; repeat or list several.")
    List<String> scopes = new ArrayList<>();

    @Option(names = "--purpose", required = true, description = "Why, in a few plain words.")
    String purpose = "";

    @Option(
        names = "--duration",
        description = "How long it is needed (ISO-8601, e.g. PT8H); required unless --narrow.")
    @Nullable String duration;

    @Option(
        names = "--narrow",
        description = "Propose taking the scopes away from the client instead.")
    boolean narrow;

    @Override
    public Integer call() {
      if (!narrow && duration == null) {
        throw new ParameterException(
            connection.spec.commandLine(), "--duration is required, e.g. --duration PT8H");
      }
      ObjectNode body = JSON.createObjectNode();
      body.put("kind", narrow ? "narrow" : "scope");
      body.put("client_id", client);
      body.put("audience", audience);
      ArrayNode list = body.putArray("scopes");
      scopes.forEach(list::add);
      body.put("purpose", purpose);
      if (duration != null) {
        body.put("duration", duration);
      }
      return connection.answer(
          connection.post("/access-requests", body.toString()), AccessCommands::one);
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List access requests.")
  static final class ListRequests implements Callable<Integer> {
    @Mixin Connection connection;

    @Option(
        names = "--status",
        description = "Only those pending, approved, refused, cancelled or expired.")
    @Nullable String status;

    @Override
    public Integer call() {
      String path =
          "/access-requests"
              + (status == null
                  ? ""
                  : "?status=" + URLEncoder.encode(status, StandardCharsets.UTF_8));
      return connection.answer(connection.get(path), AccessCommands::table);
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one request.")
  static final class Show implements Callable<Integer> {
    @Mixin Connection connection;

    @Parameters(paramLabel = "ID", description = "The request id (req-...).")
    String id = "";

    @Override
    public Integer call() {
      return connection.answer(
          connection.get("/access-requests/" + checked(connection, id)), AccessCommands::one);
    }
  }

  /** A decision on one request: approve, deny, review or cancel. */
  abstract static class Decision implements Callable<Integer> {
    @Mixin Connection connection;

    @Parameters(paramLabel = "ID", description = "The request id (req-...).")
    String id = "";

    @Option(names = "--comment", description = "What you want to say about it.")
    @Nullable String comment;

    abstract String action();

    @Override
    public Integer call() {
      ObjectNode body = JSON.createObjectNode();
      if (comment != null) {
        body.put("comment", comment);
      }
      return connection.answer(
          connection.post(
              "/access-requests/" + checked(connection, id) + "/" + action(),
              comment == null ? "" : body.toString()),
          AccessCommands::one);
    }
  }

  @Command(
      name = "approve",
      mixinStandardHelpOptions = true,
      description = "Approve someone else's pending request (role approver).")
  static final class Approve extends Decision {
    @Override
    String action() {
      return "approve";
    }
  }

  @Command(
      name = "deny",
      mixinStandardHelpOptions = true,
      description = "Refuse someone else's pending request (role approver); it takes no more.")
  static final class Deny extends Decision {
    @Override
    String action() {
      return "refuse";
    }
  }

  @Command(
      name = "review",
      mixinStandardHelpOptions = true,
      description = "Review approved access you did not approve (role auditor).")
  static final class Review extends Decision {
    @Override
    String action() {
      return "review";
    }
  }

  @Command(
      name = "cancel",
      mixinStandardHelpOptions = true,
      description = "Withdraw your own request; an approved one's exception ends now.")
  static final class Cancel extends Decision {
    @Override
    String action() {
      return "cancel";
    }
  }

  private static String checked(Connection connection, String id) {
    if (!REQUEST_ID.matcher(id).matches()) {
      throw new ParameterException(
          connection.spec.commandLine(), "not a request id (req-<uuid>): " + id);
    }
    return id;
  }

  /** One request, as a few readable lines. */
  static String one(JsonNode request) {
    StringBuilder out = new StringBuilder();
    String nl = System.lineSeparator();
    out.append(request.path("id").asText())
        .append("  ")
        .append(request.path("status").asText().toUpperCase(Locale.ROOT))
        .append(nl);
    out.append("  ")
        .append(request.path("kind").asText())
        .append(": ")
        .append(scopes(request))
        .append(" for ")
        .append(request.path("client_id").asText("-"))
        .append(" at ")
        .append(request.path("audience").asText("-"))
        .append(" (risk ")
        .append(request.path("risk").asText())
        .append(")")
        .append(nl);
    out.append("  requested by ")
        .append(request.path("requester").asText())
        .append(": ")
        .append(request.path("purpose").asText());
    if (request.hasNonNull("duration")) {
      out.append(" (for ").append(request.path("duration").asText()).append(")");
    }
    out.append(nl);
    out.append("  approvals ")
        .append(approvals(request))
        .append(" of ")
        .append(request.path("approvals_required").asInt())
        .append(" needed");
    List<String> reviewers = new ArrayList<>();
    request.path("reviews").forEach(r -> reviewers.add(r.path("person").asText()));
    if (!reviewers.isEmpty()) {
      out.append("; reviewed by ").append(String.join(", ", reviewers));
    }
    out.append(nl);
    if (request.hasNonNull("exception_id")) {
      out.append("  exception ")
          .append(request.path("exception_id").asText())
          .append(" until ")
          .append(request.path("exception_until").asText())
          .append(nl);
    }
    out.append("  ").append(request.path("detail").asText()).append(nl);
    return out.toString();
  }

  /** Requests as a table, one line each. */
  static String table(JsonNode body) {
    List<String[]> rows = new ArrayList<>();
    rows.add(
        new String[] {
          "ID", "STATUS", "KIND", "CLIENT", "AUDIENCE", "SCOPES", "RISK", "APPROVALS", "REQUESTER"
        });
    for (JsonNode request : body.path("requests")) {
      rows.add(
          new String[] {
            request.path("id").asText(),
            request.path("status").asText(),
            request.path("kind").asText(),
            request.path("client_id").asText("-"),
            request.path("audience").asText("-"),
            scopes(request),
            request.path("risk").asText(),
            request.path("approvals").size() + "/" + request.path("approvals_required").asInt(),
            request.path("requester").asText()
          });
    }
    if (rows.size() == 1) {
      return "No access requests." + System.lineSeparator();
    }
    int[] widths = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        line.append(i == row.length - 1 ? row[i] : pad(row[i], widths[i] + 2));
      }
      out.append(line.toString().stripTrailing()).append(System.lineSeparator());
    }
    return out.toString();
  }

  private static String pad(String text, int width) {
    return text + " ".repeat(Math.max(0, width - text.length()));
  }

  private static String scopes(JsonNode request) {
    List<String> scopes = new ArrayList<>();
    request.path("scopes").forEach(s -> scopes.add(s.asText()));
    return String.join(" ", scopes);
  }

  private static String approvals(JsonNode request) {
    List<String> people = new ArrayList<>();
    request.path("approvals").forEach(a -> people.add(a.path("person").asText()));
    return people.isEmpty() ? "none" : people.size() + " (" + String.join(", ", people) + ")";
  }

  private static JsonNode parse(String body) {
    try {
      return JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw new Unreachable("the issuer answered something that is not JSON");
    }
  }
}
