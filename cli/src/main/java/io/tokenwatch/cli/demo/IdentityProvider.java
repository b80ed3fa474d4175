package io.tokenwatch.cli.demo;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The demo's upstream identity provider: an OpenID Shared Signals transmitter of its own, with its
 * own signing key published at {@code /jwks.json}, that pushes CAEP events (RFC 8935) to
 * Tokenwatch's receiver when it ends a person's session. Tokenwatch trusts it through the receiver
 * settings {@link #receiverSettings()} returns.
 */
public final class IdentityProvider implements AutoCloseable {

  static final String SESSION_REVOKED =
      "https://schemas.openid.net/secevent/caep/event-type/session-revoked";

  /** The audience the provider addresses its SETs to: Tokenwatch's receiver. */
  static final String AUDIENCE = "urn:tokenwatch:receiver";

  private final HttpServer server;
  private final ECKey key;
  private final String pushSecret;
  private final HttpClient http = HttpClient.newHttpClient();

  private IdentityProvider(HttpServer server, ECKey key, String pushSecret) {
    this.server = server;
    this.key = key;
    this.pushSecret = pushSecret;
  }

  /** Starts the provider on a free loopback port. */
  public static IdentityProvider start() throws IOException {
    ECKey key;
    try {
      key = new ECKeyGenerator(Curve.P_256).keyID(UUID.randomUUID().toString()).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot generate the provider's key", e);
    }
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    String jwks = new JWKSet(key.toPublicJWK()).toString();
    server.createContext(
        "/jwks.json",
        exchange -> {
          byte[] body = jwks.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "application/jwk-set+json");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
    return new IdentityProvider(
        server, key, Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
  }

  /** The provider's issuer identifier. */
  public String issuer() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** What Tokenwatch's receiver needs to trust this provider. */
  public Map<String, Object> receiverSettings() {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("signals.receiver.issuer", issuer());
    settings.put("signals.receiver.jwks-url", issuer() + "/jwks.json");
    settings.put("signals.receiver.audience", AUDIENCE);
    settings.put("signals.receiver.push.secret-sha256", sha256Hex(pushSecret));
    return settings;
  }

  /**
   * Ends every session of {@code subject} at the provider and pushes a CAEP {@code session-revoked}
   * to Tokenwatch's receiver at {@code receiverUrl}.
   *
   * @return the receiver's HTTP status (202 when it took the event)
   */
  int revokeSessions(String receiverUrl, String subject, String reason) {
    Map<String, Object> event = new LinkedHashMap<>();
    event.put("event_timestamp", Instant.now().getEpochSecond());
    event.put("initiating_entity", "admin");
    event.put("reason_admin", Map.of("en", reason));
    Map<String, Object> subjectId = new LinkedHashMap<>();
    subjectId.put("format", "iss_sub");
    subjectId.put("iss", issuer());
    subjectId.put("sub", subject);
    try {
      JWTClaimsSet claims =
          new JWTClaimsSet.Builder()
              .issuer(issuer())
              .audience(List.of(AUDIENCE))
              .issueTime(Date.from(Instant.now()))
              .jwtID(UUID.randomUUID().toString())
              .claim("sub_id", subjectId)
              .claim("events", Map.of(SESSION_REVOKED, event))
              .build();
      SignedJWT set =
          new SignedJWT(
              new JWSHeader.Builder(JWSAlgorithm.ES256)
                  .keyID(key.getKeyID())
                  .type(new JOSEObjectType("secevent+jwt"))
                  .build(),
              claims);
      set.sign(new ECDSASigner(key));
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(receiverUrl))
              .timeout(Duration.ofSeconds(10))
              .header("Content-Type", "application/secevent+jwt")
              .header("Accept", "application/json")
              .header("Authorization", "Bearer " + pushSecret)
              .POST(HttpRequest.BodyPublishers.ofString(set.serialize()))
              .build();
      return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign the provider's SET", e);
    } catch (IOException e) {
      throw new IllegalStateException("Tokenwatch's receiver did not answer", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static String sha256Hex(String secret) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing", e);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
