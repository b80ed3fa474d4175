package io.tokenwatch.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.tokenwatch.audit.AuditEvent;
import io.tokenwatch.audit.ChainKey;
import io.tokenwatch.audit.store.AuditStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code audit least-privilege --open-request} against a real HTTP server standing in for the
 * issuer's {@code POST /access-requests}, which records what it receives.
 */
class LeastPrivilegeOpenRequestTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dataDir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private final List<Recorded> received = new CopyOnWriteArrayList<>();
  private final AtomicInteger status = new AtomicInteger(201);
  private HttpServer issuer;

  record Recorded(
      String method, String path, @Nullable String authorization, String type, JsonNode body) {}

  @BeforeEach
  void setUp() throws Exception {
    long now = System.currentTimeMillis();
    List<AuditEvent> events =
        List.of(
            issued(
                "i1",
                "tok-1",
                "reporting-agent",
                "https://orders.example.com",
                now - 7_200_000,
                "orders:read",
                "orders:export"),
            used("u1", "tok-1", now - 7_000_000, "orders:read"),
            issued("i2", "tok-2", "idle-bot", "https://a.example", now - 6_000_000, "reports:read"),
            issued("i3", "tok-3", "idle-bot", "https://b.example", now - 5_000_000, "reports:read"),
            issued("i4", "tok-4", "busy-bot", "https://a.example", now - 4_000_000, "reports:read"),
            used("u4", "tok-4", now - 3_000_000, "reports:read"));
    Map<ChainKey, Long> offsets = new HashMap<>();
    events.forEach(e -> offsets.merge(e.chain(), e.sourceOffset() + 1, Math::max));
    try (AuditStore store =
        AuditStore.openReadWrite(dataDir.resolve("audit-sink").resolve("audit.duckdb"))) {
      store.append(events, offsets);
    }
    issuer = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
    issuer.createContext(
        "/",
        exchange -> {
          byte[] body = exchange.getRequestBody().readAllBytes();
          received.add(
              new Recorded(
                  exchange.getRequestMethod(),
                  exchange.getRequestURI().getPath(),
                  exchange.getRequestHeaders().getFirst("Authorization"),
                  String.valueOf(exchange.getRequestHeaders().getFirst("Content-Type")),
                  JSON.readTree(body)));
          byte[] answer =
              status.get() == 201
                  ? ("{\"request_id\":\"req-" + received.size() + "\"}").getBytes(UTF_8)
                  : "{\"type\":\"about:blank\",\"title\":\"Forbidden\",\"status\":403,\"detail\":\"mallory may not request access\"}"
                      .getBytes(UTF_8);
          exchange
              .getResponseHeaders()
              .add(
                  "Content-Type",
                  status.get() == 201 ? "application/json" : "application/problem+json");
          exchange.sendResponseHeaders(status.get(), answer.length);
          exchange.getResponseBody().write(answer);
          exchange.close();
        });
    issuer.start();
  }

  @AfterEach
  void tearDown() {
    issuer.stop(0);
  }

  private int run(@Nullable String password, String... args) {
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
    CommandLine cli = Tokenwatch.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    CommandLine leastPrivilege =
        cli.getSubcommands().get("audit").getSubcommands().get("least-privilege");
    ((AuditLeastPrivilegeCommand) leastPrivilege.getCommand()).environment =
        name -> name.equals("TOKENWATCH_PASSWORD") ? password : null;
    String[] all = new String[args.length + 4];
    all[0] = "audit";
    all[1] = "least-privilege";
    System.arraycopy(args, 0, all, 2, args.length);
    all[args.length + 2] = "--data-dir";
    all[args.length + 3] = dataDir.toString();
    return cli.execute(all);
  }

  private String issuerUrl() {
    return "http://localhost:" + issuer.getAddress().getPort();
  }

  @Test
  void shouldOpenOneNarrowRequestPerClientWithUnusedScopesAsTheUser() {
    int exit = run("s3cret", "--open-request", "--issuer", issuerUrl(), "--user", "alice");

    assertThat(exit).as(err.toString()).isZero();
    assertThat(received).hasSize(2);
    // by client id: idle-bot, then reporting-agent
    Recorded agent = received.get(1);
    assertThat(agent.method()).isEqualTo("POST");
    assertThat(agent.path()).isEqualTo("/access-requests");
    assertThat(agent.type()).startsWith("application/json");
    assertThat(agent.authorization())
        .isEqualTo("Basic " + Base64.getEncoder().encodeToString("alice:s3cret".getBytes(UTF_8)));
    assertThat(agent.body().path("kind").asText()).isEqualTo("NARROW");
    assertThat(agent.body().path("client_id").asText()).isEqualTo("reporting-agent");
    assertThat(agent.body().path("audience").asText()).isEqualTo("https://orders.example.com");
    assertThat(agent.body().path("scopes").toString()).isEqualTo("[\"orders:export\"]");
    assertThat(agent.body().path("purpose").asText())
        .isEqualTo("least privilege: not used in the last 30 days");
    assertThat(agent.body().path("duration").asText()).isEqualTo("P30D");
    Recorded idle = received.get(0);
    assertThat(idle.body().path("client_id").asText()).isEqualTo("idle-bot");
    assertThat(idle.body().has("audience")).as("two audiences: none named").isFalse();
    assertThat(idle.body().path("scopes").toString()).isEqualTo("[\"reports:read\"]");
    assertThat(out.toString())
        .contains(
            "Opened access request req-2 to take [orders:export] from reporting-agent for https://orders.example.com.")
        .contains("Opened access request req-1 to take [reports:read] from idle-bot.")
        .doesNotContain("busy-bot")
        .doesNotContain("s3cret");
  }

  @Test
  void shouldReadThePasswordFileAndReportARefusalWithItsProblemDetail() throws Exception {
    status.set(403);
    Path file = dataDir.resolve("password");
    Files.writeString(file, "from-file\n");

    int exit =
        run(
            null,
            "--open-request",
            "--issuer",
            issuerUrl(),
            "--user",
            "mallory",
            "--password-file",
            file.toString(),
            "--purpose",
            "trim it",
            "--duration",
            "P7D");

    assertThat(exit).isEqualTo(1);
    assertThat(received.get(0).authorization())
        .isEqualTo(
            "Basic " + Base64.getEncoder().encodeToString("mallory:from-file".getBytes(UTF_8)));
    assertThat(received).hasSize(2);
    assertThat(received.get(0).body().path("purpose").asText()).isEqualTo("trim it");
    assertThat(received.get(0).body().path("duration").asText()).isEqualTo("P7D");
    assertThat(err.toString())
        .contains("The issuer refused the request to take [orders:export] from reporting-agent")
        .contains("403 mallory may not request access");
  }

  @Test
  void shouldRefuseBeforeCallingTheIssuerWithoutUserPasswordOrAValidDuration() {
    assertThat(run("pw", "--open-request", "--issuer", issuerUrl())).isEqualTo(2);
    assertThat(err.toString()).contains("--open-request needs --user");
    assertThat(run(null, "--open-request", "--issuer", issuerUrl(), "--user", "alice"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("TOKENWATCH_PASSWORD");
    assertThat(
            run(
                "pw",
                "--open-request",
                "--issuer",
                issuerUrl(),
                "--user",
                "alice",
                "--duration",
                "30 days"))
        .isEqualTo(2);
    assertThat(run("pw", "--open-request", "--issuer", "ftp://x", "--user", "alice")).isEqualTo(2);
    assertThat(received).isEmpty();
  }

  @Test
  void shouldSayClearlyWhenTheIssuerCannotBeReached() {
    issuer.stop(0);

    assertThat(run("pw", "--open-request", "--issuer", issuerUrl(), "--user", "alice"))
        .isEqualTo(1);
    assertThat(err.toString()).contains("Cannot reach the issuer at " + issuerUrl());
  }

  private static AuditEvent issued(
      String id, String token, String client, String audience, long at, String... scopes) {
    return new AuditEvent(
        id,
        "TokenIssued",
        at,
        client,
        client,
        token,
        "g-" + token,
        audience,
        "CLIENT_CREDENTIALS",
        List.of(scopes),
        "ISSUED",
        "policy",
        "p",
        "1",
        "client:" + client,
        at + 600_000,
        "tokenwatch.token-issued",
        0,
        Long.parseLong(id.substring(1)),
        "{}");
  }

  private static AuditEvent used(String id, String token, long at, String scope) {
    return new AuditEvent(
        id,
        "TokenUsed",
        at,
        null,
        null,
        token,
        null,
        null,
        null,
        List.of(scope),
        "ALLOWED",
        null,
        null,
        null,
        "v",
        null,
        "tokenwatch.token-used",
        0,
        Long.parseLong(id.substring(1)),
        "{}");
  }
}
