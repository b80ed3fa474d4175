package io.tokenwatch.console.web;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The revoke form, checked before anything is sent to the issuer (which checks again, and decides
 * who may revoke what).
 *
 * @param kind what the value names: one of {@link #KINDS}' keys
 * @param value the token id, grant id, subject, client id or audience
 * @param category why, as the issuer's reason: one of {@link #CATEGORIES}' keys
 * @param reason the person's explanation, for the audit trail (the revocation's {@code detail})
 * @param issuedBefore only tokens issued before this instant, or null for all
 */
public record RevokeForm(
    String kind, String value, String category, String reason, @Nullable Instant issuedBefore) {

  private static String field(Map<String, List<String>> fields, String name) {
    List<String> given = fields.getOrDefault(name, List.of());
    return given.isEmpty() ? "" : given.get(0);
  }

  /** The selector kinds, by form value, with their labels. */
  public static final Map<String, String> KINDS = kinds();

  /** The reasons a person may give, by form value (the issuer's reason), with their labels. */
  public static final Map<String, String> CATEGORIES = categories();

  /** The longest explanation, in UTF-8 bytes (the issuer's limit for a revocation's detail). */
  public static final int MAX_REASON_BYTES = 2048;

  /** The longest value, in characters. */
  public static final int MAX_VALUE_CHARS = 512;

  private static final ObjectMapper JSON = new ObjectMapper();

  public RevokeForm {
    requireNonNull(kind, "kind");
    requireNonNull(value, "value");
    requireNonNull(category, "category");
    requireNonNull(reason, "reason");
    if (!KINDS.containsKey(kind)) {
      throw new IllegalArgumentException("unknown kind " + kind);
    }
    if (!CATEGORIES.containsKey(category)) {
      throw new IllegalArgumentException("unknown category " + category);
    }
  }

  /** The outcome of reading a submitted form. */
  public sealed interface Read {}

  /** A form fit to send. */
  public record Valid(RevokeForm form) implements Read {}

  /**
   * A form with mistakes, each said in words; {@code values} are the fields as submitted, to show
   * the form again.
   */
  public record Invalid(List<String> problems, Map<String, String> values) implements Read {
    public Invalid {
      problems = List.copyOf(problems);
      values = Map.copyOf(values);
    }
  }

  /** Reads the submitted fields ({@code kind, value, category, reason, issued_before}). */
  public static Read read(Map<String, List<String>> fields) {
    requireNonNull(fields, "fields");
    Map<String, String> values = new LinkedHashMap<>();
    for (String name : List.of("kind", "value", "category", "reason", "issued_before")) {
      values.put(name, field(fields, name));
    }
    List<String> problems = new ArrayList<>();
    for (String name : values.keySet()) {
      if (fields.getOrDefault(name, List.of()).size() > 1) {
        problems.add(name + " is given more than once");
      }
    }
    String kind = field(fields, "kind");
    if (!KINDS.containsKey(kind)) {
      problems.add("choose what to revoke: " + String.join(", ", KINDS.keySet()));
    }
    String value = field(fields, "value").strip();
    if (value.isEmpty()) {
      problems.add("the value is required: the token id, grant id, subject, client or audience");
    } else if (value.length() > MAX_VALUE_CHARS) {
      problems.add("the value is longer than " + MAX_VALUE_CHARS + " characters");
    }
    String category = field(fields, "category").isEmpty() ? "ADMIN" : field(fields, "category");
    if (!CATEGORIES.containsKey(category)) {
      problems.add("choose why: " + String.join(", ", CATEGORIES.keySet()));
    }
    String reason = field(fields, "reason").strip();
    if (reason.isEmpty()) {
      problems.add("the reason is required: say why, for the audit trail");
    } else if (reason.getBytes(StandardCharsets.UTF_8).length > MAX_REASON_BYTES) {
      problems.add("the reason is longer than " + MAX_REASON_BYTES + " bytes");
    }
    Instant issuedBefore = null;
    String watermark = field(fields, "issued_before").strip();
    if (!watermark.isEmpty()) {
      try {
        issuedBefore = Instant.parse(watermark);
      } catch (DateTimeParseException e) {
        problems.add("issued before must be an instant such as 2030-01-01T00:00:00Z, or empty");
      }
    }
    if (!problems.isEmpty()) {
      return new Invalid(problems, values);
    }
    return new Valid(new RevokeForm(kind, value, category, reason, issuedBefore));
  }

  /**
   * The key of this revocation's records on the revocation topics, e.g. {@code token:abc} (the
   * watermark is in the record, not the key).
   */
  public String feedKey() {
    return kind + ":" + value;
  }

  /** The body of the issuer's {@code POST /admin/revocations}. */
  public String issuerBody() {
    ObjectNode body = JSON.createObjectNode();
    body.put("kind", kind);
    body.put("value", value);
    if (issuedBefore != null) {
      body.put("issued_before", issuedBefore.toString());
    }
    body.put("reason", category);
    body.put("detail", reason);
    return body.toString();
  }

  private static Map<String, String> kinds() {
    Map<String, String> kinds = new LinkedHashMap<>();
    kinds.put("token", "Token (its id, jti)");
    kinds.put("grant", "Grant (a refresh-token family and every token it produced)");
    kinds.put("lineage", "Lineage (a token and every token delegated from it)");
    kinds.put("subject", "Subject (every token of a user)");
    kinds.put("client", "Client (every token issued to a client)");
    kinds.put("audience", "Audience (every token for an API)");
    return java.util.Collections.unmodifiableMap(kinds);
  }

  private static Map<String, String> categories() {
    Map<String, String> categories = new LinkedHashMap<>();
    categories.put("ADMIN", "A responder's decision");
    categories.put("COMPROMISED", "Credentials or keys compromised");
    categories.put("POLICY_CHANGE", "Policy no longer allows it");
    return java.util.Collections.unmodifiableMap(categories);
  }
}
