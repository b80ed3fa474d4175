package io.tokenwatch.cli;

import java.io.IOException;
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
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code tokenwatch rotate-keys}: asks a running issuer to add a new signing key. The old public
 * key stays published until every token it signed has expired, so nothing is interrupted.
 */
@Command(
    name = "rotate-keys",
    mixinStandardHelpOptions = true,
    description = {
      "Rotates the signing key of a running issuer (POST /admin/keys/rotate) as an admin client.",
      "The client secret is read from $TOKENWATCH_ADMIN_SECRET or --secret-file, never from the"
          + " command line."
    })
final class RotateKeysCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--issuer-url",
      defaultValue = "http://localhost:9400",
      description = "The issuer. Default: ${DEFAULT-VALUE}.")
  String issuerUrl = "http://localhost:9400";

  @Option(names = "--client-id", required = true, description = "An admin client of the policy.")
  String clientId = "";

  @Option(names = "--secret-file", description = "File holding the admin client's secret.")
  @Nullable Path secretFile;

  @Option(names = "--algorithm", description = "EdDSA or RS256; default: the current key's.")
  @Nullable String algorithm;

  @Mixin TimeoutOption timeoutOption;

  @Override
  public Integer call() throws IOException, InterruptedException {
    Duration timeout = timeoutOption.timeout();
    String secret = secret();
    String body =
        algorithm == null ? "" : "{\"algorithm\":\"" + algorithm.replace("\"", "") + "\"}";
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(issuerUrl.replaceAll("/+$", "") + "/admin/keys/rotate"))
            .timeout(timeout)
            .header(
                "Authorization",
                "Basic "
                    + Base64.getEncoder()
                        .encodeToString((clientId + ":" + secret).getBytes(StandardCharsets.UTF_8)))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    HttpResponse<String> response;
    try {
      response =
          HttpClient.newBuilder()
              .connectTimeout(timeout)
              .build()
              .send(request, HttpResponse.BodyHandlers.ofString());
    } catch (HttpTimeoutException e) {
      return unreachable("did not answer within " + timeout + " (--timeout)");
    } catch (ConnectException e) {
      return unreachable("cannot be reached (" + e + ")");
    }
    if (response.statusCode() == 200) {
      spec.commandLine().getOut().println(response.body());
      return 0;
    }
    spec.commandLine()
        .getErr()
        .println(
            "tokenwatch rotate-keys: the issuer answered "
                + response.statusCode()
                + ": "
                + response.body());
    return 1;
  }

  private int unreachable(String what) {
    spec.commandLine()
        .getErr()
        .println("tokenwatch rotate-keys: the issuer at " + issuerUrl + " " + what);
    return 1;
  }

  private String secret() throws IOException {
    if (secretFile != null) {
      return Files.readString(secretFile, StandardCharsets.UTF_8).strip();
    }
    String fromEnvironment = System.getenv("TOKENWATCH_ADMIN_SECRET");
    if (fromEnvironment == null || fromEnvironment.isBlank()) {
      throw new ParameterException(
          spec.commandLine(), "set TOKENWATCH_ADMIN_SECRET or pass --secret-file");
    }
    return fromEnvironment;
  }
}
