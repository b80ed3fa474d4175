package io.tokenwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.tokenwatch.audit.http.ApiAuthenticator;
import io.tokenwatch.audit.http.AuditApi;
import io.tokenwatch.audit.store.AuditStore;
import io.tokenwatch.audit.store.KeyFiles;
import io.tokenwatch.validator.JwksSource;
import io.tokenwatch.validator.RevocationView;
import io.tokenwatch.validator.TokenValidator;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * Every audit subcommand asked the same question of the store file and of the audit API serving
 * that very file prints the same answer with the same exit code: the two {@link AuditSource}s are
 * interchangeable. The API runs in-process over a read-only connection to the store.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuditSourceDifferentialTest {

  private static final String ISSUER = "https://issuer.example";
  private static final String AUDIENCE = "urn:tokenwatch:audit";

  @TempDir static Path dataDir;
  @TempDir static Path tamperedDir;
  @TempDir static Path prefixDir;
  private final OctetKeyPair signingKey;
  private final String accessToken;
  private final List<AutoCloseable> running = new ArrayList<>();
  private AuditApi api;

  AuditSourceDifferentialTest() throws JOSEException {
    signingKey = new OctetKeyPairGenerator(Curve.Ed25519).keyID("k1").generate();
    accessToken = token(signingKey);
  }

  /** What one command line printed and returned. */
  private record Answer(int exit, String out, String err) {}

  @BeforeAll
  void serve() {
    AuditStoreFixture.fill(dataDir);
    api = serve(dataDir);
  }

  @AfterAll
  void stop() throws Exception {
    for (int i = running.size() - 1; i >= 0; i--) {
      running.get(i).close();
    }
  }

  private AuditApi serve(Path platformDir) {
    Path auditDir = platformDir.resolve("audit-sink");
    AuditStore root = AuditStore.openReadOnly(auditDir.resolve("audit.duckdb"));
    running.add(root);
    TokenValidator validator =
        TokenValidator.builder()
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .jwks(JwksSource.fixed(new JWKSet(signingKey.toPublicJWK())))
            .revocations(RevocationView.none())
            .clock(Clock.systemUTC())
            .build();
    AuditApi started =
        AuditApi.start(
            "localhost",
            0,
            () -> {
              synchronized (root) {
                return root.duplicate();
              }
            },
            new ApiAuthenticator(validator, "audit:read"),
            KeyFiles.publicKey(auditDir),
            () -> true,
            () -> "",
            Clock.systemUTC());
    running.add(started);
    return started;
  }

  static Stream<List<String>> questions() {
    return Stream.of(
        List.of("query"),
        List.of("query", "--format", "jsonl"),
        List.of("query", "--format", "csv"),
        List.of("query", "--subject", "alice", "--decision", "DENIED"),
        List.of("query", "--type", "TokenIssued,TokenUsed", "--limit", "2", "--format", "csv"),
        List.of("query", "--from", "2026-01-01T00:00:01Z", "--to", "2026-01-01T00:00:03Z"),
        List.of("query", "--client", "app", "--token", "t1", "--grant", "g-t1"),
        List.of("query", "--subject", "nobody"),
        List.of("grants"),
        List.of("grants", "--format", "jsonl"),
        List.of("grants", "--subject", "bob", "--format", "csv"),
        List.of("grants", "--type", "TokenUsed", "--format", "jsonl"),
        List.of("timeline", "--token", "t1"),
        List.of("timeline", "--token", "t1", "--limit", "2", "--format", "jsonl"),
        List.of("least-privilege", "--days", "3650"),
        List.of("least-privilege", "--days", "3650", "--format", "json"),
        List.of("least-privilege", "--days", "1"),
        List.of("verify", "--format", "json"),
        List.of("why", "t1"),
        List.of("why", "t1", "--format", "json"),
        List.of("why", "t1", "--format", "jsonl"),
        List.of("query", "--format", "json"),
        List.of("why", "e3"),
        List.of("why", AuditCommandTest.jwtWithId("t2")),
        List.of("timeline", "--subject", "alice"));
  }

  @ParameterizedTest
  @MethodSource("questions")
  void shouldPrintTheSameFromTheStoreFileAndFromTheAuditApi(List<String> question) {
    Answer local = local(dataDir, question);
    Answer remote = remote(api, question);

    assertThat(local.exit()).as(local.err()).isZero();
    assertThat(local.out()).isNotBlank();
    assertThat(remote).isEqualTo(local);
  }

  @Test
  void shouldRefuseTheSameInvalidArgumentsBeforeAskingEitherSource() {
    for (List<String> question :
        List.of(
            List.of("timeline", "--token", "t1", "--limit", "0"),
            List.of("timeline", "--token", "t1", "--subject", "alice"),
            List.of("why", "t1", "--limit", "0"),
            List.of("least-privilege", "--days", "0"))) {
      Answer local = local(dataDir, question);

      assertThat(local.exit()).isEqualTo(2);
      assertThat(remote(api, question)).isEqualTo(local);
    }
  }

  @Test
  void shouldResolveTokenIdPrefixesTheSameWayThroughEitherSource() {
    AuditStoreFixture.fillWithTokens(
        prefixDir,
        List.of(
            "04dfe82e-1111-4000-8000-000000000001",
            "04dfe82e-2222-4000-8000-000000000002",
            "5a5a5a5a-3333-4000-8000-000000000003"));
    AuditApi prefixes = serve(prefixDir);
    for (List<String> question :
        List.of(
            List.of("timeline", "--token", "5a5a5a5a"),
            List.of("query", "--token", "5a5a5a5a-33"),
            List.of("grants", "--token", "5a5a5a5a"),
            List.of("why", "5a5a5a5a"))) {
      Answer local = local(prefixDir, question);

      assertThat(local.exit()).as("%s: %s", question, local.err()).isZero();
      assertThat(local.out()).as("%s", question).contains("5a5a5a5a-3333-4000-8000-000000000003");
      assertThat(remote(prefixes, question)).as("%s", question).isEqualTo(local);
    }
    for (String command : List.of("timeline", "query", "grants")) {
      List<String> ambiguous = List.of(command, "--token", "04dfe82e");
      Answer local = local(prefixDir, ambiguous);

      assertThat(local.exit()).isEqualTo(2);
      assertThat(local.err())
          .isEqualTo(
              "tokenwatch "
                  + command
                  + ": ambiguous: 2 tokens start with 04dfe82e"
                  + " (04dfe82e-1111-4000-8000-000000000001,"
                  + " 04dfe82e-2222-4000-8000-000000000002)\n");
      assertThat(remote(prefixes, ambiguous)).isEqualTo(local);

      List<String> none = List.of(command, "--token", "ffffffff");
      Answer nothing = local(prefixDir, none);
      assertThat(nothing.exit()).isEqualTo(2);
      assertThat(nothing.err())
          .isEqualTo("tokenwatch " + command + ": no token starts with ffffffff\n");
      assertThat(remote(prefixes, none)).isEqualTo(nothing);
    }
    Answer ambiguousWhy = local(prefixDir, List.of("why", "04dfe82e"));
    assertThat(ambiguousWhy.exit()).isEqualTo(2);
    assertThat(ambiguousWhy.err()).contains("ambiguous: 2 tokens start with 04dfe82e");
    assertThat(remote(prefixes, List.of("why", "04dfe82e"))).isEqualTo(ambiguousWhy);
  }

  @Test
  void shouldGiveTheSameVerdictOnAnIntactHistoryEitherWay() {
    Answer local = local(dataDir, List.of("verify"));
    Answer remote = remote(api, List.of("verify"));

    // the file is verified here and says more (chains, unsealed records, speed)
    assertThat(local.exit()).isZero();
    assertThat(remote.exit()).isZero();
    assertThat(local.out()).startsWith("history verifies: 4 records in 1 chains, 1 signed");
    assertThat(remote.out()).isEqualTo("history verifies: 4 records, 1 checkpoints\n");
  }

  @Test
  void shouldFindTheSameTamperingThroughEitherSource() throws Exception {
    AuditStoreFixture.fill(tamperedDir);
    try (var connection =
            DriverManager.getConnection(
                "jdbc:duckdb:" + tamperedDir.resolve("audit-sink").resolve("audit.duckdb"));
        Statement statement = connection.createStatement()) {
      statement.execute("UPDATE audit_events SET decision = 'ALLOWED' WHERE event_id = 'e3'");
    }
    AuditApi tampered = serve(tamperedDir);

    Answer local = local(tamperedDir, List.of("verify", "--format", "json"));

    assertThat(local.exit()).isEqualTo(1);
    assertThat(local.out()).contains("altered record at tokenwatch.token-used/0 seq 2");
    assertThat(remote(tampered, List.of("verify", "--format", "json"))).isEqualTo(local);
    assertThat(remote(tampered, List.of("verify")).out())
        .startsWith("history does NOT verify: 2 records, 1 checkpoints\n")
        .contains("altered record at tokenwatch.token-used/0 seq 2");
  }

  @Test
  void shouldNeitherListNorAcceptTheApiOptionsOnExportAndReplay() {
    Answer export = remote(api, List.of("export", "--out", dataDir.resolve("x.csv").toString()));
    Answer replay = remote(api, List.of("replay"));

    assertThat(export.exit()).isEqualTo(2);
    assertThat(export.err()).startsWith("Unknown options: '--url'");
    assertThat(replay.exit()).isEqualTo(2);
    assertThat(replay.err()).startsWith("Unknown options: '--url'");
    assertThat(run(List.of("audit", "replay", "--help"), List.of()).out())
        .contains("--data-dir")
        .doesNotContain("--url")
        .doesNotContain("--access-token");
  }

  @Test
  void shouldAskForAnAccessTokenWithUrl() {
    Answer answer =
        run(List.of("audit", "query", "--url", "http://localhost:" + api.port()), List.of());

    assertThat(answer.exit()).isEqualTo(2);
    assertThat(answer.err()).contains("--url needs --access-token");
  }

  private Answer local(Path platformDir, List<String> question) {
    return run(question, List.of("--data-dir", platformDir.toString()));
  }

  private Answer remote(AuditApi server, List<String> question) {
    return run(
        question,
        List.of("--url", "http://localhost:" + server.port(), "--access-token", accessToken));
  }

  private static Answer run(List<String> question, List<String> source) {
    List<String> args = new ArrayList<>();
    if (!question.get(0).equals("audit")) {
      args.add("audit");
    }
    args.addAll(question);
    args.addAll(source);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Tokenwatch.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args.toArray(String[]::new));
    return new Answer(exit, out.toString(), err.toString());
  }

  private static String token(OctetKeyPair key) throws JOSEException {
    Instant now = Instant.now();
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(ISSUER)
            .subject("analyst")
            .audience(AUDIENCE)
            .issueTime(Date.from(now))
            .notBeforeTime(Date.from(now))
            .expirationTime(Date.from(now.plusSeconds(3600)))
            .jwtID(UUID.randomUUID().toString())
            .claim("client_id", "security-console")
            .claim("scope", "audit:read")
            .build();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.EdDSA)
                .type(new JOSEObjectType("at+jwt"))
                .keyID(key.getKeyID())
                .build(),
            claims);
    jwt.sign(new Ed25519Signer(key));
    return jwt.serialize();
  }
}
