package io.tokenwatch.issuer.http;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.tokenwatch.issuer.access.AccessKind;
import io.tokenwatch.issuer.access.AccessRequests;
import io.tokenwatch.issuer.access.NewAccessRequest;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The JSON bodies of the access-request API, read strictly as the admin API reads its own (see
 * {@link AdminRevocationBody}): at most {@value #MAX_BYTES} bytes of valid UTF-8 holding one JSON
 * object, each field given once with the right type, no unknown field, nothing after the object.
 */
final class AccessRequestBodies {

  /** The largest body accepted, in bytes. */
  static final int MAX_BYTES = 8_192;

  static final String REQUEST_FIELDS = "kind, client_id, audience, scopes, purpose, duration";

  private static final ObjectMapper JSON = strictMapper();

  private AccessRequestBodies() {}

  /** Thrown for a body that is not well formed; the message says why. */
  static final class MalformedBodyException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int status;

    MalformedBodyException(int status, String message) {
      super(message);
      this.status = status;
    }

    /** 413 for a body above the limit, else 400. */
    int status() {
      return status;
    }
  }

  /** The body of {@code POST /access-requests}. */
  record RequestBody(
      @JsonProperty("kind") @Nullable String kind,
      @JsonProperty("client_id") @Nullable String clientId,
      @JsonProperty("audience") @Nullable String audience,
      @JsonProperty("scopes") @Nullable List<String> scopes,
      @JsonProperty("purpose") @Nullable String purpose,
      @JsonProperty("duration") @Nullable String duration) {}

  /** The optional body of the approve, refuse, review and cancel calls. */
  record DecisionBody(@JsonProperty("comment") @Nullable String comment) {}

  /** Reads a new request. */
  static NewAccessRequest request(byte[] body) throws MalformedBodyException {
    RequestBody parsed = read(body, RequestBody.class, REQUEST_FIELDS, "a list of strings");
    AccessKind kind = AccessKind.SCOPE;
    if (parsed.kind() != null) {
      kind =
          switch (parsed.kind().toLowerCase(Locale.ROOT)) {
            case "scope" -> AccessKind.SCOPE;
            case "narrow" -> AccessKind.NARROW;
            default ->
                throw new MalformedBodyException(
                    400,
                    "kind must be scope (ask for scopes) or narrow (propose taking scopes away)");
          };
    }
    String clientId = required(parsed.clientId(), "client_id");
    // A narrowing proposal without an audience concerns every audience of the client.
    String audience =
        kind == AccessKind.NARROW && parsed.audience() == null
            ? null
            : required(parsed.audience(), "audience");
    List<String> scopes = parsed.scopes();
    if (scopes == null || scopes.isEmpty()) {
      throw new MalformedBodyException(400, "scopes is required: a list of scope names");
    }
    if (scopes.size() > AccessRequests.MAX_SCOPES) {
      throw new MalformedBodyException(
          400, "scopes names at most " + AccessRequests.MAX_SCOPES + " scopes");
    }
    for (String scope : scopes) {
      if (scope == null || scope.isBlank() || scope.length() > 200) {
        throw new MalformedBodyException(400, "each scope must be a non-empty string");
      }
    }
    String purpose = required(parsed.purpose(), "purpose");
    Duration duration = null;
    if (parsed.duration() != null) {
      try {
        duration = Duration.parse(parsed.duration());
      } catch (DateTimeParseException e) {
        throw new MalformedBodyException(
            400, "duration must be an ISO-8601 duration such as PT8H or P7D");
      }
    } else if (kind == AccessKind.SCOPE) {
      throw new MalformedBodyException(
          400, "duration is required: how long the access is needed, e.g. PT8H");
    }
    return new NewAccessRequest(kind, clientId, audience, scopes, purpose, duration);
  }

  /** Reads the optional comment of a decision; an empty body has none. */
  static @Nullable String comment(byte[] body) throws MalformedBodyException {
    if (isBlank(body)) {
      return null;
    }
    String comment = read(body, DecisionBody.class, "comment", "a string").comment();
    if (comment != null && comment.length() > AccessRequests.MAX_COMMENT_CHARS) {
      throw new MalformedBodyException(
          400, "comment is at most " + AccessRequests.MAX_COMMENT_CHARS + " characters");
    }
    return comment == null || comment.isBlank() ? null : comment.strip();
  }

  private static boolean isBlank(byte[] body) {
    for (byte b : body) {
      if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
        return false;
      }
    }
    return true;
  }

  private static String required(@Nullable String value, String field)
      throws MalformedBodyException {
    if (value == null || value.isBlank()) {
      throw new MalformedBodyException(400, field + " is required");
    }
    return value.strip();
  }

  private static <T> T read(byte[] body, Class<T> type, String fields, String listShape)
      throws MalformedBodyException {
    if (body.length > MAX_BYTES) {
      throw new MalformedBodyException(
          413, "the body is " + body.length + " bytes; at most " + MAX_BYTES + " are accepted");
    }
    String text;
    try {
      // Decoded before parsing, so that bad bytes are refused instead of becoming U+FFFD.
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(body))
              .toString();
    } catch (CharacterCodingException e) {
      throw new MalformedBodyException(400, "the body is not valid UTF-8");
    }
    T parsed;
    try {
      parsed = JSON.readValue(text, type);
    } catch (UnrecognizedPropertyException e) {
      throw new MalformedBodyException(
          400, "unknown field '" + printable(e.getPropertyName()) + "'; the fields are " + fields);
    } catch (MismatchedInputException e) {
      String field = e.getPath().isEmpty() ? null : e.getPath().get(0).getFieldName();
      throw new MalformedBodyException(
          400,
          field == null
              ? "the body must be one JSON object with the fields " + fields
              : "field '"
                  + printable(field)
                  + "' must be "
                  + (field.equals("scopes") ? listShape : "a string"));
    } catch (StreamReadException e) {
      String message = e.getOriginalMessage();
      throw new MalformedBodyException(
          400,
          message != null && message.startsWith("Duplicate field ")
              ? "a field is given more than once: " + printable(message.substring(16))
              : "the body is not valid JSON");
    } catch (JsonProcessingException e) {
      throw new MalformedBodyException(400, "the body is not valid JSON");
    }
    if (parsed == null) {
      throw new MalformedBodyException(
          400, "the body must be one JSON object with the fields " + fields);
    }
    return parsed;
  }

  private static ObjectMapper strictMapper() {
    ObjectMapper mapper =
        JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    // A number or a boolean where a string belongs is a mistake to report, not to convert.
    mapper
        .coercionConfigFor(LogicalType.Textual)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    // A single string where the list of scopes belongs is a mistake too.
    mapper.disable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY);
    return mapper;
  }

  /** A name from the request, fit to be quoted back: printable ASCII, at most 64 characters. */
  private static String printable(@Nullable String text) {
    if (text == null) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < text.length() && out.length() < 64; i++) {
      char c = text.charAt(i);
      out.append(c >= 0x20 && c < 0x7F ? c : '?');
    }
    return out.toString();
  }
}
