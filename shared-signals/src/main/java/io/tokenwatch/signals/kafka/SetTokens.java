package io.tokenwatch.signals.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Base64;
import java.util.Optional;

/** Reads the {@code jti} of a signed SET in compact serialization without verifying it. */
final class SetTokens {

  private static final ObjectMapper JSON = new ObjectMapper();

  private SetTokens() {}

  /** The SET's {@code jti}, or empty when it is no JWS compact serialization with one. */
  static Optional<String> jti(String compact) {
    int first = compact.indexOf('.');
    int second = first < 0 ? -1 : compact.indexOf('.', first + 1);
    if (second < 0 || compact.indexOf('.', second + 1) >= 0) {
      return Optional.empty();
    }
    try {
      byte[] payload = Base64.getUrlDecoder().decode(compact.substring(first + 1, second));
      JsonNode jti = JSON.readTree(payload).path("jti");
      return jti.isTextual() && !jti.asText().isEmpty()
          ? Optional.of(jti.asText())
          : Optional.empty();
    } catch (IOException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
