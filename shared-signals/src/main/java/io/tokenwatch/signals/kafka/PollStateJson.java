package io.tokenwatch.signals.kafka;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenwatch.signals.PollState;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The poll half of a stream's delivery state on {@code tokenwatch.ssf-delivery}, as JSON: {@code
 * {"method":"poll","cursor":<position>,"done":[{"offset":<position>,"jti":"..."},...]}}. Records of
 * other delivery methods share the topic and are told apart by {@code method}. Thread-safe.
 */
public final class PollStateJson {

  /** The value of {@code method} in poll records. */
  public static final String METHOD = "poll";

  private static final JsonMapper JSON =
      JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  private PollStateJson() {}

  /** The record value of {@code state}. */
  public static byte[] encode(PollState state) {
    requireNonNull(state, "state");
    ObjectNode root = JSON.createObjectNode().put("method", METHOD).put("cursor", state.cursor());
    ArrayNode done = root.putArray("done");
    for (Map.Entry<Long, String> entry : state.done().entrySet()) {
      done.addObject().put("offset", entry.getKey()).put("jti", entry.getValue());
    }
    try {
      return JSON.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode a poll state", e);
    }
  }

  /**
   * The poll state in a record value, or empty when the record belongs to another delivery method.
   *
   * @throws IllegalArgumentException when the value is not a well-formed delivery state
   */
  public static Optional<PollState> decode(byte[] value) {
    requireNonNull(value, "value");
    JsonNode root;
    try {
      root = JSON.readTree(value);
    } catch (IOException e) {
      throw new IllegalArgumentException("delivery state is not JSON", e);
    }
    if (root == null || !root.isObject() || !root.path("method").isTextual()) {
      throw new IllegalArgumentException("delivery state has no method");
    }
    if (!METHOD.equals(root.get("method").asText())) {
      return Optional.empty();
    }
    JsonNode cursor = root.path("cursor");
    JsonNode done = root.path("done");
    if (!cursor.isIntegralNumber() || !cursor.canConvertToLong() || !done.isArray()) {
      throw new IllegalArgumentException("poll state needs cursor and done");
    }
    TreeMap<Long, String> offsets = new TreeMap<>();
    for (JsonNode entry : done) {
      JsonNode offset = entry.path("offset");
      JsonNode jti = entry.path("jti");
      if (!offset.isIntegralNumber() || !offset.canConvertToLong() || !jti.isTextual()) {
        throw new IllegalArgumentException("poll state has a malformed done entry");
      }
      offsets.put(offset.asLong(), jti.asText());
    }
    return Optional.of(new PollState(cursor.asLong(), offsets));
  }
}
