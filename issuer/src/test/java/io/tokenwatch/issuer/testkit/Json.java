package io.tokenwatch.issuer.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Tiny JSON reading helpers for tests. */
public final class Json {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  public static JsonNode tree(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + json, e);
    }
  }

  public static String field(String json, String name) {
    JsonNode value = tree(json).get(name);
    if (value == null) {
      throw new IllegalArgumentException("no " + name + " in " + json);
    }
    return value.asText();
  }
}
