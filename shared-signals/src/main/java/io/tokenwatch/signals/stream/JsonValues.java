package io.tokenwatch.signals.stream;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Typed reads of a request's JSON members, refusing wrong types and unknown members. */
final class JsonValues {

  static final int MAX_TEXT = 1024;
  static final int MAX_STREAM_ID = 128;
  static final int MAX_EVENT_TYPES = 64;

  private JsonValues() {}

  static void only(Map<String, ?> json, Set<String> allowed, String where) {
    for (String key : json.keySet()) {
      if (!allowed.contains(key)) {
        throw new InvalidRequest(
            where
                + " has a member that is not supported: allowed "
                + new java.util.TreeSet<>(allowed));
      }
    }
  }

  static @Nullable String optionalString(Map<String, ?> json, String member, int maxLength) {
    if (!json.containsKey(member)) {
      return null;
    }
    Object value = json.get(member);
    if (!(value instanceof String text)) {
      throw new InvalidRequest("'" + member + "' must be a string");
    }
    if (text.length() > maxLength) {
      throw new InvalidRequest("'" + member + "' is longer than " + maxLength + " characters");
    }
    return text;
  }

  static String requiredString(Map<String, ?> json, String member, int maxLength) {
    String value = optionalString(json, member, maxLength);
    if (value == null) {
      throw new InvalidRequest("'" + member + "' is required");
    }
    return value;
  }

  static String streamId(Map<String, ?> json) {
    String id = requiredString(json, "stream_id", MAX_STREAM_ID);
    if (id.isBlank()) {
      throw new InvalidRequest("'stream_id' must not be blank");
    }
    return id;
  }

  static @Nullable Boolean optionalBoolean(Map<String, ?> json, String member) {
    if (!json.containsKey(member)) {
      return null;
    }
    if (!(json.get(member) instanceof Boolean value)) {
      throw new InvalidRequest("'" + member + "' must be true or false");
    }
    return value;
  }

  @SuppressWarnings("unchecked")
  static @Nullable Map<String, ?> optionalObject(Map<String, ?> json, String member) {
    if (!json.containsKey(member)) {
      return null;
    }
    Object value = json.get(member);
    if (!(value instanceof Map<?, ?> object)) {
      throw new InvalidRequest("'" + member + "' must be an object");
    }
    for (Object key : object.keySet()) {
      if (!(key instanceof String)) {
        throw new InvalidRequest("'" + member + "' must be an object");
      }
    }
    return (Map<String, ?>) object;
  }

  static @Nullable List<String> optionalStrings(
      Map<String, ?> json, String member, int maxItems, int maxLength) {
    if (!json.containsKey(member)) {
      return null;
    }
    if (!(json.get(member) instanceof List<?> list)) {
      throw new InvalidRequest("'" + member + "' must be an array of strings");
    }
    if (list.size() > maxItems) {
      throw new InvalidRequest("'" + member + "' has more than " + maxItems + " entries");
    }
    List<String> strings = new ArrayList<>();
    for (Object item : list) {
      if (!(item instanceof String text)) {
        throw new InvalidRequest("'" + member + "' must be an array of strings");
      }
      if (text.length() > maxLength) {
        throw new InvalidRequest(
            "an entry of '" + member + "' is longer than " + maxLength + " characters");
      }
      strings.add(text);
    }
    return strings;
  }

  static URI absoluteUri(String text, String member) {
    try {
      URI uri = new URI(text);
      if (!uri.isAbsolute()) {
        throw new InvalidRequest("'" + member + "' must be an absolute URI");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new InvalidRequest("'" + member + "' is not a valid URI");
    }
  }
}
