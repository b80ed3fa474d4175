package io.tokenwatch.validator.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tokenwatch.validator.JwksSource;
import io.tokenwatch.validator.RevocationIndex;
import io.tokenwatch.validator.TestTokens;
import io.tokenwatch.validator.TokenValidator;
import io.tokenwatch.validator.route.RouteTable;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Hostile requests to the forward-auth endpoint, generated: garbage and oversized credentials,
 * tampered tokens, odd schemes, forged DPoP proofs and strange forwarded URIs. The sidecar never
 * allows one, never answers 5xx and never shows a stack trace.
 */
class SidecarHostileInputPropertiesTest {

  private static final TestTokens TOKENS = new TestTokens();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static ValidatorSidecar sidecar;
  private static String validToken;

  @BeforeContainer
  static void start() {
    RevocationIndex index = new RevocationIndex();
    index.markCaughtUp(Long.MAX_VALUE / 2);
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    TokenValidator validator =
        TokenValidator.builder()
            .issuer(TestTokens.ISSUER)
            .audience(TestTokens.AUDIENCE)
            .jwks(JwksSource.fixed(TOKENS.publicKeys()))
            .revocations(index)
            .build();
    sidecar =
        new ValidatorSidecar(
            validator,
            new ValidatorSidecar.Settings(
                "localhost",
                0,
                RouteTable.parse("GET /orders/** -> read"),
                TrustedProxies.parse(List.of("127.0.0.1", "::1")),
                "X-Client-Cert-Thumbprint",
                null),
            () -> true,
            metrics);
    validToken = TOKENS.sign(TestTokens.claims(Instant.now()).build());
  }

  @AfterContainer
  static void stop() {
    sidecar.close();
  }

  @Property(tries = 300)
  void neverAllowsHostileCredentials(
      @ForAll("authorizations") String authorization,
      @ForAll("uris") String uri,
      @ForAll("printable") String dpop)
      throws Exception {
    HttpResponse<String> response = send(authorization, uri, dpop);

    assertThat(response.statusCode()).as(response.body()).isBetween(400, 499);
    assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ");
    if (response.statusCode() == 401) {
      assertThat(response.headers().firstValue("WWW-Authenticate")).isPresent();
    }
  }

  @Property(tries = 200)
  void neverFailsOnStrangeTargetsWithAValidToken(@ForAll("uris") String uri) throws Exception {
    HttpResponse<String> response = send("Bearer " + validToken, uri, "");

    assertThat(response.statusCode()).as(response.body()).isIn(200, 400, 403, 431);
    assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Example
  void shouldJudgeEveryReadingOfThePathAndRefuseTargetsAboveTheRoot() throws Exception {
    String token = "Bearer " + validToken;
    assertThat(send(token, "/orders/42", "").statusCode()).isEqualTo(200);
    assertThat(send(token, "/orders/x/../42", "").statusCode()).isEqualTo(200);
    // /public/../orders/42 is /orders/42 to a server that resolves dot segments, but a server
    // routing on the path as sent (Javalin, Express) sees /public/..., which no route covers.
    assertThat(send(token, "/public/../orders/42", "").statusCode()).isEqualTo(403);
    assertThat(send(token, "/../etc/passwd", "").statusCode()).isEqualTo(400);
    assertThat(send(token, "//evil.example/orders", "").statusCode()).isEqualTo(400);
    assertThat(send(token, "*", "").statusCode()).isEqualTo(400);
  }

  @Example
  void shouldRefuseANonCanonicalEncodingOfAValidToken() throws Exception {
    // The last character of an Ed25519 signature in base64url carries spare bits.
    char last = validToken.charAt(validToken.length() - 1);
    String variant = validToken.substring(0, validToken.length() - 1) + (char) (last ^ 1);
    assertThat(send("Bearer " + variant, "/orders/42", "").statusCode()).isEqualTo(401);
  }

  @Example
  void shouldJudgeTheTokenAsSentNotOneSentEarlierOnTheSameConnection() throws Exception {
    // One letter of the header's base64url in the other case: a different, unsigned token.
    char[] chars = validToken.toCharArray();
    int letter = 4;
    while (!Character.isLetter(chars[letter])) {
      letter++;
    }
    chars[letter] =
        Character.isUpperCase(chars[letter])
            ? Character.toLowerCase(chars[letter])
            : Character.toUpperCase(chars[letter]);
    String variant = new String(chars);
    try (Socket socket = new Socket("localhost", sidecar.port())) {
      socket.setSoTimeout(10_000);
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
      OutputStream out = socket.getOutputStream();
      assertThat(exchange(out, in, validToken)).isEqualTo("HTTP/1.1 200 OK");
      assertThat(exchange(out, in, variant)).startsWith("HTTP/1.1 401");
    }
  }

  /** Sends one keep-alive request for /orders/42 with {@code token}; its status line. */
  private static String exchange(OutputStream out, BufferedReader in, String token)
      throws IOException {
    String request =
        "GET /auth HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-Method: GET\r\n"
            + "X-Forwarded-Uri: /orders/42\r\nX-Forwarded-Host: api.example\r\n"
            + "X-Forwarded-Proto: https\r\nAuthorization: Bearer "
            + token
            + "\r\n\r\n";
    out.write(request.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    String status = in.readLine();
    int length = 0;
    for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring("content-length:".length()).trim());
      }
    }
    for (int i = 0; i < length; i++) {
      in.read();
    }
    return status;
  }

  private static HttpResponse<String> send(String authorization, String uri, String dpop)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://localhost:" + sidecar.port() + "/auth"))
            .header("X-Forwarded-Method", "GET")
            .header("X-Forwarded-Uri", uri)
            .header("X-Forwarded-Host", "api.example")
            .header("X-Forwarded-Proto", "https")
            .header("Authorization", authorization)
            .GET();
    if (!dpop.isBlank()) {
      request.header("DPoP", dpop);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Provide
  Arbitrary<String> printable() {
    return Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(300);
  }

  @Provide
  Arbitrary<String> authorizations() {
    Arbitrary<String> tampered =
        Arbitraries.integers()
            .between(0, validToken.length() - 1)
            .map(
                i -> {
                  char[] chars = validToken.toCharArray();
                  chars[i] = chars[i] == 'A' ? 'B' : 'A';
                  return "Bearer " + new String(chars);
                })
            .filter(value -> !value.equals("Bearer " + validToken));
    return Arbitraries.oneOf(
        printable().map(value -> "Bearer " + value),
        printable().map(value -> "DPoP " + value),
        printable(),
        tampered,
        Arbitraries.of(
            "Bearer",
            "Bearer ",
            "Basic YWxpY2U6c2VjcmV0",
            "Bearer a.b.c",
            "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.",
            "Bearer " + "A".repeat(20_000),
            "DPoP " + validToken,
            "bearer  " + validToken + " extra"));
  }

  @Provide
  Arbitrary<String> uris() {
    return Arbitraries.oneOf(
        Arbitraries.of(
            "/orders/../admin",
            "/orders/%00",
            "/orders?x=<script>",
            "//evil.example/orders",
            "*",
            "/" + "a".repeat(8000)),
        printable().map(value -> "/orders/" + value));
  }
}
