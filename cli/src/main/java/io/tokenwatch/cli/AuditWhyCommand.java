package io.tokenwatch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenwatch.audit.AuditFilter;
import io.tokenwatch.audit.http.AuditJson;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tokenwatch audit why}: who was granted what, when and why, under which policy version,
 * rule, consent and approvals, and what happened to it since; for a denial or a use, what decided.
 */
@Command(
    name = "why",
    mixinStandardHelpOptions = true,
    description = {
      "Explain a token, an event or a consent in plain words: who was granted what (client,"
          + " subject, actor chain, audience, scopes, lifetime), when, why (policy version and"
          + " author, rule, exception and its approvals, consent), and what happened to it since"
          + " (uses with the validator's rule, revocations, consent withdrawal). For a denial or"
          + " a use: what decided and why.",
      "Exit code 0 when something has that id, 1 when nothing does."
    })
final class AuditWhyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin AuditSourceOptions source;

  @Parameters(
      paramLabel = "TOKEN_OR_EVENT",
      description =
          "A token id (jti), an event id, a consent id, an access request id, or a raw JWT (its jti is read without"
              + " verifying the token).")
  String id = "";

  @Option(
      names = "--limit",
      defaultValue = "1000",
      description = "Read at most this many records. Default: ${DEFAULT-VALUE}.")
  int limit = 1000;

  @Mixin ReportFormatOption.WithJsonAlias output;

  @Override
  public Integer call() {
    String asked = id.strip();
    if (asked.isEmpty() || limit < 1 || limit > AuditFilter.MAX_LIMIT) {
      throw new IllegalArgumentException(
          "TOKEN_OR_EVENT must not be empty; --limit 1 to " + AuditFilter.MAX_LIMIT);
    }
    Optional<String> jti = jwtId(asked);
    if (looksLikeJwt(asked) && jti.isEmpty()) {
      throw new IllegalArgumentException("that looks like a JWT, but it has no readable 'jti'");
    }
    boolean json = output.isJson(spec);
    ObjectNode answer = source.source().why(jti.orElse(asked), limit);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      output.printJson(spec, out, answer);
    } else {
      jti.ifPresent(
          token ->
              out.println(
                  "(the JWT's id is "
                      + AuditOutput.printable(token)
                      + ", read without verifying the token)"));
      for (JsonNode line : answer.path("lines")) {
        out.println(AuditOutput.printable(line.asText()));
      }
    }
    out.flush();
    return answer.path("found").asBoolean(false) ? 0 : 1;
  }

  private static boolean looksLikeJwt(String value) {
    return value.chars().filter(c -> c == '.').count() == 2 && value.startsWith("eyJ");
  }

  /**
   * The {@code jti} of a compact JWS, read from its payload without checking the signature: the
   * answer comes from the audit history, which the token cannot change, so trusting the token here
   * only chooses which history to show.
   */
  static Optional<String> jwtId(String value) {
    if (!looksLikeJwt(value)) {
      return Optional.empty();
    }
    String[] parts = value.split("\\.", -1);
    try {
      JsonNode claims =
          AuditJson.MAPPER.readTree(
              new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
      JsonNode jti = claims.path("jti");
      return jti.isTextual() && !jti.asText().isBlank()
          ? Optional.of(jti.asText())
          : Optional.empty();
    } catch (IllegalArgumentException | java.io.IOException e) {
      return Optional.empty();
    }
  }
}
