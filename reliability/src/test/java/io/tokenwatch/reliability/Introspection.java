package io.tokenwatch.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.jspecify.annotations.Nullable;

/**
 * The revocation stream's introspection endpoint as these tests call it, with one bearer secret.
 */
final class Introspection {

  static final String SECRET = "reliability-introspection-secret";

  private Introspection() {}

  /** The value of {@code revocation.introspection.secret-sha256} for {@link #SECRET}. */
  static String secretHash() {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(SECRET.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /**
   * The answer for a token (a JWT or its id) from the stream on {@code port}, or null while it
   * cannot answer (not started, not ready, rebalancing).
   */
  static @Nullable JsonNode ask(int port, String token) {
    try {
      HttpResponse<String> answer =
          Pipeline.post(
              "http://localhost:" + port + "/introspect",
              "Bearer " + SECRET,
              "application/x-www-form-urlencoded",
              "token=" + token);
      return answer.statusCode() == 200 ? Pipeline.readTree(answer.body()) : null;
    } catch (RuntimeException e) {
      return null;
    }
  }
}
