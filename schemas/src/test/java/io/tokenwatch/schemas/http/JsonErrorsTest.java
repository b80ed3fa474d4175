package io.tokenwatch.schemas.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.javalin.Javalin;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** A bare Javalin server with {@link JsonErrors} installed, against the hostile corpus. */
class JsonErrorsTest {

  private static final long MAX_BODY = 1024;
  private static Javalin server;

  @BeforeAll
  static void start() {
    server =
        Javalin.create(
                config -> {
                  config.startup.showJavalinBanner = false;
                  config.startup.showOldJavalinVersionWarning = false;
                  config.jetty.host = "localhost";
                  config.jetty.port = 0;
                  config.http.maxRequestSize = MAX_BODY;
                  JsonErrors.install(config, ErrorFormat.PROBLEM);
                  config.routes.get("/health", ctx -> ctx.result("ok"));
                  config.routes.post("/echo", ctx -> ctx.result(ctx.body()));
                  config.routes.get(
                      "/boom",
                      ctx -> {
                        throw new IllegalStateException("secret internals");
                      });
                  config.routes.get(
                      "/assert",
                      ctx -> {
                        throw new AssertionError("secret internals");
                      });
                })
            .start();
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  static List<HostileRequests.Case> corpus() {
    return HostileRequests.corpus(
        HostileRequests.Target.withBodies("/health", "/echo", "application/json", MAX_BODY));
  }

  @ParameterizedTest
  @MethodSource("corpus")
  void shouldRefuseEveryHostileRequestWithAProblemJsonBody(HostileRequests.Case hostile)
      throws IOException {
    HostileRequests.assertRefusedWithJson(server.port(), hostile, ErrorFormat.PROBLEM);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/boom", "/assert"})
  void shouldAnswerAnEscapedThrowableWithA500ProblemThatHidesIt(String path) throws IOException {
    RawHttp.Response response =
        RawHttp.send(
            server.port(),
            "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");

    assertThat(response.status()).isEqualTo(500);
    HostileRequests.assertJsonBody(response, ErrorFormat.PROBLEM);
    assertThat(response.body()).doesNotContain("secret internals");
  }

  @Test
  void shouldStillServeWellFormedRequests() throws IOException {
    RawHttp.Response response =
        RawHttp.send(
            server.port(), "GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("ok");
  }

  @ParameterizedTest
  @EnumSource(ErrorFormat.class)
  void shouldRenderEachFormatAsItsClientsParseIt(ErrorFormat format) {
    String body = format.body(404);

    switch (format) {
      case OAUTH ->
          assertThat(body)
              .isEqualTo(
                  "{\"error\":\"invalid_request\",\"error_description\":\"no such resource\"}");
      case PROBLEM ->
          assertThat(body)
              .isEqualTo(
                  "{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404,"
                      + "\"detail\":\"no such resource\"}");
      case CONFLUENT ->
          assertThat(body).isEqualTo("{\"error_code\":404,\"message\":\"no such resource\"}");
    }
  }
}
