package io.tokenwatch.signals.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.javalin.Javalin;
import io.tokenwatch.keys.SigningAlgorithm;
import io.tokenwatch.keys.SigningKey;
import io.tokenwatch.keys.SigningKeys;
import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The service started from its configuration serves the SSF metadata and the stream management API
 * for real: receivers' tokens checked against the issuer's JWKS fetched over HTTP, streams kept on
 * {@code tokenwatch.ssf-streams} and found again by a restarted service.
 */
@KafkaIntegrationTest
class StreamsWiringIntegrationTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String ISSUER = "https://issuer.test";

  private @Nullable Javalin jwks;
  private @Nullable SharedSignalsApp app;

  @AfterEach
  void stop() {
    if (app != null) {
      app.close();
    }
    if (jwks != null) {
      jwks.stop();
    }
  }

  @Test
  void shouldServeMetadataAndKeepStreamsAcrossARestart(TestCluster cluster) throws Exception {
    Path dataDir = Files.createTempDirectory("ssf-wiring");
    SigningKeys keys = SigningKeys.open(dataDir, SigningAlgorithm.EDDSA, Clock.systemUTC());
    Javalin keyServer =
        Javalin.create(
                config -> {
                  config.startup.showJavalinBanner = false;
                  config.jetty.host = "127.0.0.1";
                  config.jetty.port = 0;
                  config.routes.get(
                      "/jwks.json",
                      ctx -> ctx.contentType("application/json").result(keys.jwksJson()));
                })
            .start();
    jwks = keyServer;
    Map<String, Object> config = new HashMap<>();
    config.put("bootstrap.servers", cluster.bootstrapServers());
    config.put("schema.registry.url", cluster.schemaRegistryUrl());
    config.put("signals.issuer", ISSUER);
    config.put("signals.jwks-url", "http://127.0.0.1:" + keyServer.port() + "/jwks.json");
    config.put("signals.keys.dir", dataDir.toString());
    config.put("signals.http.host", "127.0.0.1");
    config.put("signals.http.port", "0");
    config.put("signals.streams.require-https", "false");
    config.put("signals.streams.allow-private-endpoints", "true");
    app = SharedSignalsApp.start(config);
    String base = "http://127.0.0.1:" + app.httpPort();

    JsonNode metadata = JSON.readTree(get(base + "/.well-known/ssf-configuration", null).body());
    assertThat(metadata.path("configuration_endpoint").asText()).isEqualTo(base + "/ssf/streams");
    assertThat(metadata.path("default_subjects").asText()).isEqualTo("ALL");

    String client = "receiver-" + UUID.randomUUID();
    String token = token(keys.current(), client, "ssf:manage ssf:read");
    String body =
        "{\"delivery\": {\"method\": \"urn:ietf:rfc:8935\","
            + " \"endpoint_url\": \"http://127.0.0.1:9/events\"}}";
    HttpResponse<String> created =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> post(base + "/ssf/streams", token, body), r -> r.statusCode() != 503);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String id = JSON.readTree(created.body()).path("stream_id").asText();

    app.close();
    app = SharedSignalsApp.start(config);
    String restarted = "http://127.0.0.1:" + app.httpPort();
    HttpResponse<String> read =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> get(restarted + "/ssf/streams?stream_id=" + id, token),
                r -> r.statusCode() != 503);
    assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
    assertThat(JSON.readTree(read.body()).path("delivery").path("endpoint_url").asText())
        .isEqualTo("http://127.0.0.1:9/events");
  }

  private static String token(SigningKey key, String client, String scope) throws Exception {
    Instant now = Instant.now();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(key.algorithm().jws())
                .type(new JOSEObjectType("at+jwt"))
                .keyID(key.kid())
                .build(),
            new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .subject("service")
                .audience("urn:tokenwatch:ssf")
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(600)))
                .jwtID(UUID.randomUUID().toString())
                .claim("client_id", client)
                .claim("scope", scope)
                .build());
    jwt.sign(key.signer());
    return jwt.serialize();
  }

  private static HttpResponse<String> get(String url, @Nullable String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).GET();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(String url, String token, String body) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(url))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
