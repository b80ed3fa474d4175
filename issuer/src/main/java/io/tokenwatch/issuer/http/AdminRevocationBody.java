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
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.issuer.revocation.AdminRevocation;
import io.tokenwatch.schemas.revocation.SelectorRules;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The JSON body of {@code POST /admin/revocations}, read strictly: at most {@value #MAX_BYTES}
 * bytes of valid UTF-8 holding one JSON object with the fields {@code kind} and {@code value}
 * (required), {@code issued_before}, {@code reason} and {@code detail} (optional), each a string
 * (or null for an optional one), each given once, nothing else. A loose reader would let a
 * duplicated key decide by its last occurrence, invalid bytes or a lone surrogate escape become
 * {@code ?} (revoking subject {@code ?}), or a misspelt field be ignored; every one of those is
 * refused with a reason instead. What the values may say is {@link AdminRevocation}'s and the
 * shared selector rules' business.
 *
 * @param kind the selector kind, e.g. {@code subject}
 * @param value the selector value
 * @param issuedBefore the watermark as sent, or null
 * @param reason the reason as sent, or null for {@code ADMIN}
 * @param detail the explanation for auditors, or null
 */
record AdminRevocationBody(
    @JsonProperty("kind") @Nullable String kind,
    @JsonProperty("value") @Nullable String value,
    @JsonProperty("issued_before") @Nullable String issuedBefore,
    @JsonProperty("reason") @Nullable String reason,
    @JsonProperty("detail") @Nullable String detail) {

  /** The largest body accepted, in bytes. */
  static final int MAX_BYTES = 16_384;

  static final String FIELDS = "kind, value, issued_before, reason, detail";

  private static final ObjectMapper JSON = strictMapper();

  /** Thrown for a body that is not a well-formed request; the message says why. */
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

  /**
   * Reads a body.
   *
   * @throws MalformedBodyException saying what is wrong
   */
  static AdminRevocationBody read(byte[] body) throws MalformedBodyException {
    if (body.length > MAX_BYTES) {
      throw new MalformedBodyException(
          413, "the body is " + body.length + " bytes; at most " + MAX_BYTES + " are accepted");
    }
    String text;
    try {
      // Decoded before parsing, so that bad bytes are refused instead of becoming U+FFFD or '?'.
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
    AdminRevocationBody parsed;
    try {
      parsed = JSON.readValue(text, AdminRevocationBody.class);
    } catch (UnrecognizedPropertyException e) {
      throw new MalformedBodyException(
          400, "unknown field '" + printable(e.getPropertyName()) + "'; the fields are " + FIELDS);
    } catch (MismatchedInputException e) {
      String field =
          e.getPath().isEmpty() ? null : e.getPath().get(e.getPath().size() - 1).getFieldName();
      throw new MalformedBodyException(
          400,
          field == null
              ? "the body must be one JSON object with the fields " + FIELDS
              : "field '" + printable(field) + "' must be a string");
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
          400, "the body must be one JSON object with the fields " + FIELDS);
    }
    return parsed;
  }

  /**
   * The request this body makes.
   *
   * @param requestedBy the authenticated admin
   * @throws MalformedBodyException saying which field is wrong and why
   */
  AdminRevocation toRevocation(String requestedBy) throws MalformedBodyException {
    if (kind == null) {
      throw new MalformedBodyException(400, "kind is required: " + kinds());
    }
    if (value == null) {
      throw new MalformedBodyException(400, "value is required");
    }
    SelectorKind selectorKind = constant(SelectorKind.class, kind);
    if (selectorKind == null || selectorKind == SelectorKind.UNKNOWN) {
      throw new MalformedBodyException(400, "kind must be one of " + kinds());
    }
    RevocationReason revocationReason = RevocationReason.ADMIN;
    if (reason != null) {
      revocationReason = constant(RevocationReason.class, reason);
      if (revocationReason == null || revocationReason == RevocationReason.UNKNOWN) {
        throw new MalformedBodyException(
            400, "reason must be one of " + names(RevocationReason.values()));
      }
    }
    Instant watermark = null;
    if (issuedBefore != null) {
      try {
        watermark = SelectorRules.roundUpToMillisecond(Instant.parse(issuedBefore));
      } catch (DateTimeParseException e) {
        throw new MalformedBodyException(
            400, "issued_before must be an ISO-8601 instant such as 2030-01-01T00:00:00Z");
      }
    }
    try {
      return new AdminRevocation(
          selectorKind, value, watermark, revocationReason, requestedBy, detail);
    } catch (IllegalArgumentException e) {
      throw new MalformedBodyException(
          400, java.util.Objects.requireNonNullElse(e.getMessage(), "invalid revocation"));
    }
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
    return mapper;
  }

  private static <E extends Enum<E>> @Nullable E constant(Class<E> type, String name) {
    for (E constant : type.getEnumConstants()) {
      // Not equalsIgnoreCase: it would take "\u017Fubject" (long s) for "subject".
      if (constant.name().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
        return constant;
      }
    }
    return null;
  }

  private static String kinds() {
    return names(SelectorKind.values());
  }

  private static String names(Enum<?>[] constants) {
    return Arrays.stream(constants)
        .filter(constant -> !constant.name().equals("UNKNOWN"))
        .map(constant -> constant.name().toLowerCase(Locale.ROOT))
        .collect(Collectors.joining(", "));
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
