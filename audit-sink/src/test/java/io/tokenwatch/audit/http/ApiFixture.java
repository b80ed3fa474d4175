package io.tokenwatch.audit.http;

import static io.tokenwatch.audit.TestEvents.issued;
import static io.tokenwatch.audit.TestEvents.revoked;
import static io.tokenwatch.audit.TestEvents.used;

import com.fasterxml.jackson.databind.JsonNode;
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
import io.tokenwatch.audit.AuditEvent;
import io.tokenwatch.audit.ChainKey;
import io.tokenwatch.audit.store.AuditStore;
import io.tokenwatch.audit.store.KeyFiles;
import io.tokenwatch.validator.JwksSource;
import io.tokenwatch.validator.RevocationView;
import io.tokenwatch.validator.TokenValidator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The audit API on a free port over a small store, with tokens for it. */
final class ApiFixture {

  static final String ISSUER = "https://issuer.example";
  static final String AUDIENCE = "urn:tokenwatch:audit";
  static final HttpClient HTTP = HttpClient.newHttpClient();

  static Path dir;
  static AuditStore store;
  static AuditStore readerRoot;
  static AuditApi api;
  static OctetKeyPair key;
  static String goodToken;
  static String noScopeToken;

  static void start() throws Exception {
    dir = Files.createTempDirectory("audit-api");
    store = AuditStore.openReadWrite(dir.resolve("audit.duckdb"));
    List<AuditEvent> events =
        List.of(
            issued("t1", "alice", "app", 0, 0, "read", "write"),
            used("u1", "t1", "alice", "app", "ALLOWED", 0, 1, "read"),
            revoked("r1", "t1", 0, 2));
    Map<ChainKey, Long> offsets = new HashMap<>();
    events.forEach(e -> offsets.merge(e.chain(), e.sourceOffset() + 1, Math::max));
    store.append(events, offsets);
    readerRoot = store.duplicate();
    key = new OctetKeyPairGenerator(Curve.Ed25519).keyID("k1").generate();
    TokenValidator validator =
        TokenValidator.builder()
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .jwks(JwksSource.fixed(new JWKSet(key.toPublicJWK())))
            .revocations(RevocationView.none())
            .clock(Clock.systemUTC())
            .build();
    api =
        AuditApi.start(
            "localhost",
            0,
            () -> {
              synchronized (readerRoot) {
                return readerRoot.duplicate();
              }
            },
            new ApiAuthenticator(validator, "audit:read"),
            KeyFiles.loadOrCreate(dir).getPublic(),
            () -> true,
            () -> "",
            Clock.systemUTC());
    goodToken = token("audit:read");
    noScopeToken = token("orders:read");
  }

  static void stop() {
    api.close();
    readerRoot.close();
    store.close();
  }

  static String token(String scope) throws Exception {
    Instant now = Instant.now();
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(ISSUER)
            .subject("analyst")
            .audience(AUDIENCE)
            .issueTime(Date.from(now))
            .notBeforeTime(Date.from(now))
            .expirationTime(Date.from(now.plusSeconds(600)))
            .jwtID(UUID.randomUUID().toString())
            .claim("client_id", "security-console")
            .claim("scope", scope)
            .build();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.EdDSA)
                .type(new JOSEObjectType("at+jwt"))
                .keyID("k1")
                .build(),
            claims);
    jwt.sign(new Ed25519Signer(key));
    return jwt.serialize();
  }

  static HttpResponse<String> get(String pathAndQuery, String token) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://localhost:" + api.port() + pathAndQuery));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode json(HttpResponse<String> response) throws Exception {
    return AuditJson.MAPPER.readTree(response.body());
  }

  private ApiFixture() {}
}
