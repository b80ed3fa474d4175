package io.tokenwatch.validator.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tokenwatch.schemas.http.ErrorFormat;
import io.tokenwatch.schemas.http.HostileRequests;
import io.tokenwatch.schemas.http.RawHttp;
import io.tokenwatch.validator.JwksSource;
import io.tokenwatch.validator.RevocationIndex;
import io.tokenwatch.validator.TestTokens;
import io.tokenwatch.validator.TokenValidator;
import io.tokenwatch.validator.route.RouteTable;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the sidecar answers requests it refuses before judging a token, and tokens too large to
 * judge: RFC 7807 JSON for the first, the documented 401 {@code invalid_token} ({@code TOO_LARGE})
 * for the second, never Jetty's HTML pages.
 */
class SidecarRefusalsTest {

  private static final int MAX_TOKEN_BYTES = 8192;
  private static ValidatorSidecar sidecar;

  @BeforeAll
  static void start() {
    RevocationIndex index = new RevocationIndex();
    index.markCaughtUp(Long.MAX_VALUE / 2);
    TestTokens tokens = new TestTokens();
    TokenValidator validator =
        TokenValidator.builder()
            .issuer(TestTokens.ISSUER)
            .audience(TestTokens.AUDIENCE)
            .jwks(JwksSource.fixed(tokens.publicKeys()))
            .revocations(index)
            .maxTokenBytes(MAX_TOKEN_BYTES)
            .build();
    sidecar =
        new ValidatorSidecar(
            validator,
            new ValidatorSidecar.Settings(
                "localhost",
                0,
                RouteTable.parse("GET /orders/** -> read"),
                TrustedProxies.parse(List.of("127.0.0.1", "::1")),
                null,
                null),
            () -> true,
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  @AfterAll
  static void stop() {
    sidecar.close();
  }

  static List<HostileRequests.Case> corpus() {
    // No route of the sidecar reads a request body.
    return HostileRequests.corpus(HostileRequests.Target.withoutBodies("/health"));
  }

  @ParameterizedTest
  @MethodSource("corpus")
  void shouldRefuseEveryHostileRequestWithAProblemJsonBody(HostileRequests.Case hostile)
      throws IOException {
    HostileRequests.assertRefusedWithJson(sidecar.port(), hostile, ErrorFormat.PROBLEM);
  }

  @ParameterizedTest
  @ValueSource(ints = {MAX_TOKEN_BYTES + 1, 8300, 12_000, 2 * MAX_TOKEN_BYTES})
  void shouldDenyATokenBeyondTheValidatorsLimitAsTooLargeNotWith431(int length) throws IOException {
    RawHttp.Response response = auth("Bearer " + "A".repeat(length), "");

    assertThat(response.status()).as("%s", response).isEqualTo(401);
    assertThat(response.header("WWW-Authenticate"))
        .isEqualTo("Bearer error=\"invalid_token\", error_description=\"too large\"");
  }

  @Test
  void shouldLetATokenAndADpopProofAtTheValidatorsLimitReachTheValidator() throws IOException {
    String proof = "DPoP: " + "B".repeat(MAX_TOKEN_BYTES) + "\r\n";

    RawHttp.Response response = auth("DPoP " + "A".repeat(MAX_TOKEN_BYTES), proof);

    // Not a well-formed token, but judged by the validator, not refused by Jetty.
    assertThat(response.status()).as("%s", response).isEqualTo(401);
    assertThat(response.header("WWW-Authenticate")).startsWith("DPoP error=\"invalid_token\"");
  }

  @Test
  void shouldAnswerAHeaderBlockBeyondJettysLimitWith431ProblemJson() throws IOException {
    int beyond = ValidatorSidecar.requestHeaderLimit(MAX_TOKEN_BYTES) + 1;

    RawHttp.Response response = auth("Bearer " + "A".repeat(beyond), "");

    assertThat(response.status()).isEqualTo(431);
    HostileRequests.assertJsonBody(response, ErrorFormat.PROBLEM);
  }

  private static RawHttp.Response auth(String authorization, String moreHeaders)
      throws IOException {
    return RawHttp.send(
        sidecar.port(),
        "GET /auth HTTP/1.1\r\nHost: localhost\r\n"
            + "X-Forwarded-Method: GET\r\nX-Forwarded-Uri: /orders/42\r\n"
            + "X-Forwarded-Host: api.example\r\nX-Forwarded-Proto: https\r\n"
            + "Authorization: "
            + authorization
            + "\r\n"
            + moreHeaders
            + "Connection: close\r\n\r\n");
  }
}
