package io.tokenwatch.signals.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Reads a request's JSON object body within a size limit, refusing what is ambiguous. */
final class JsonBodies {

  static final ObjectMapper JSON = new ObjectMapper();

  private static final ObjectMapper STRICT =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  static {
    STRICT
        .getFactory()
        .setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).build());
  }

  private static final TypeReference<LinkedHashMap<String, Object>> OBJECT =
      new TypeReference<>() {};

  /** Why a body was refused. */
  record Refusal(int status, String detail) {}

  /** The body, or the refusal. */
  sealed interface Read {
    record Body(Map<String, Object> json) implements Read {}

    record Refused(Refusal refusal) implements Read {}
  }

  private JsonBodies() {}

  static Read read(Context ctx, int maxBytes) throws IOException {
    String type = ctx.contentType();
    String media = type == null ? "" : type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    if (!media.equals("application/json")) {
      return refused(415, "the request body must be application/json");
    }
    long declared = ctx.contentLength();
    if (declared > maxBytes) {
      return refused(413, "the request body is larger than " + maxBytes + " bytes");
    }
    byte[] body;
    try (InputStream in = ctx.bodyInputStream()) {
      body = in.readNBytes(maxBytes + 1);
    }
    if (body.length > maxBytes) {
      return refused(413, "the request body is larger than " + maxBytes + " bytes");
    }
    Optional<Map<String, Object>> json = parse(body);
    if (json.isEmpty()) {
      return refused(400, "the request body must be one JSON object, without duplicate members");
    }
    return new Read.Body(json.get());
  }

  static Optional<Map<String, Object>> parse(byte[] body) {
    try {
      JsonNode node = STRICT.readTree(body);
      if (node == null || !node.isObject()) {
        return Optional.empty();
      }
      return Optional.of(STRICT.convertValue(node, OBJECT));
    } catch (IOException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static Read refused(int status, String detail) {
    return new Read.Refused(new Refusal(status, detail));
  }
}
