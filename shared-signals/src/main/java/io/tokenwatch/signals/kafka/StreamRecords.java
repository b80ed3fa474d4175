package io.tokenwatch.signals.kafka;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenwatch.signals.DeliveryMethod;
import io.tokenwatch.signals.EventType;
import io.tokenwatch.signals.SignalStream;
import io.tokenwatch.signals.StreamStatus;
import io.tokenwatch.signals.SubjectId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The JSON value of a stream on {@code tokenwatch.ssf-streams}: version 1, snake_case members,
 * times as ISO-8601 instants, event types and the delivery method as their URIs, subjects as RFC
 * 9493 objects. The push {@code authorization_header} is stored: the topic must be readable only by
 * the Shared Signals service.
 */
final class StreamRecords {

  static final int VERSION = 1;

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final TypeReference<LinkedHashMap<String, Object>> OBJECT =
      new TypeReference<>() {};

  private StreamRecords() {}

  static byte[] encode(SignalStream stream) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("version", VERSION);
    json.put("stream_id", stream.streamId());
    json.put("receiver", stream.receiver());
    json.put("audience", stream.audience());
    json.put("method", stream.method().uri());
    json.put("endpoint", stream.endpoint().toString());
    if (stream.authorizationHeader() != null) {
      json.put("authorization_header", stream.authorizationHeader());
    }
    json.put(
        "events_requested",
        stream.eventsRequested().stream().map(EventType::uri).sorted().toList());
    json.put("status", stream.status().wireName());
    if (stream.statusReason() != null) {
      json.put("status_reason", stream.statusReason());
    }
    json.put("description", stream.description());
    List<Map<String, Object>> subjects = new ArrayList<>();
    stream.subjects().stream()
        .map(SubjectId::toJson)
        .sorted(java.util.Comparator.comparing(Object::toString))
        .forEach(subjects::add);
    json.put("subjects", subjects);
    json.put("created_at", stream.createdAt().toString());
    json.put("updated_at", stream.updatedAt().toString());
    try {
      return JSON.writeValueAsBytes(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads a stream record.
   *
   * @throws IllegalArgumentException when the bytes are not a version-1 stream record
   */
  static SignalStream decode(byte[] bytes) {
    Map<String, Object> json;
    try {
      json = JSON.readValue(bytes, OBJECT);
    } catch (IOException e) {
      throw new IllegalArgumentException("a stream record must be a JSON object", e);
    }
    if (!Integer.valueOf(VERSION).equals(json.get("version"))) {
      throw new IllegalArgumentException("unsupported stream record version");
    }
    Set<EventType> events = new LinkedHashSet<>();
    for (Object uri : list(json, "events_requested")) {
      events.add(
          EventType.ofUri(String.valueOf(uri))
              .orElseThrow(() -> new IllegalArgumentException("unknown event type " + uri)));
    }
    Set<SubjectId> subjects = new LinkedHashSet<>();
    for (Object subject : list(json, "subjects")) {
      if (!(subject instanceof Map<?, ?> object)) {
        throw new IllegalArgumentException("a subject must be an object");
      }
      @SuppressWarnings("unchecked")
      Map<String, ?> typed = (Map<String, ?>) object;
      subjects.add(SubjectId.fromJson(typed));
    }
    String status = string(json, "status");
    return new SignalStream(
        string(json, "stream_id"),
        string(json, "receiver"),
        string(json, "audience"),
        DeliveryMethod.ofUri(string(json, "method"))
            .orElseThrow(() -> new IllegalArgumentException("unknown delivery method")),
        URI.create(string(json, "endpoint")),
        optional(json, "authorization_header"),
        events,
        StreamStatus.valueOf(status.toUpperCase(Locale.ROOT)),
        optional(json, "status_reason"),
        string(json, "description"),
        subjects,
        Instant.parse(string(json, "created_at")),
        Instant.parse(string(json, "updated_at")));
  }

  private static String string(Map<String, Object> json, String member) {
    if (!(json.get(member) instanceof String value)) {
      throw new IllegalArgumentException("'" + member + "' must be a string");
    }
    return value;
  }

  private static @org.jspecify.annotations.Nullable String optional(
      Map<String, Object> json, String member) {
    return json.containsKey(member) ? string(json, member) : null;
  }

  private static List<?> list(Map<String, Object> json, String member) {
    if (!(json.get(member) instanceof List<?> value)) {
      throw new IllegalArgumentException("'" + member + "' must be an array");
    }
    return value;
  }
}
