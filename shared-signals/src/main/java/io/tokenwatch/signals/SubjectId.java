package io.tokenwatch.signals;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A subject identifier (RFC 9493): how a Security Event Token says whom or what it is about, and
 * how a receiver names the subjects it wants events for. Tokenwatch speaks {@code iss_sub} (a
 * person, by issuer and subject), {@code email}, {@code opaque} (a token id, grant id or client id)
 * and {@code complex} (SSF's subject with named members such as {@code user}, {@code session}, or
 * Tokenwatch's {@code token}, {@code application} and {@code audience}).
 *
 * <p>Values are JSON objects on the wire; {@link #toJson()} and {@link #fromJson(Map)} convert.
 */
public sealed interface SubjectId {

  /** Longest identifier value accepted from a receiver or an upstream transmitter. */
  int MAX_VALUE_LENGTH = 1024;

  /** The members a complex subject may have. */
  Set<String> COMPLEX_MEMBERS =
      Set.of(
          "user",
          "session",
          "token",
          "application",
          "audience",
          "device",
          "tenant",
          "org_unit",
          "group");

  /** The JSON object for the wire, members in a stable order. */
  Map<String, Object> toJson();

  /** A person, by the issuer that names them and their subject there. */
  record IssSub(String iss, String sub) implements SubjectId {
    public IssSub {
      checkValue(iss, "iss");
      checkValue(sub, "sub");
    }

    @Override
    public Map<String, Object> toJson() {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("format", "iss_sub");
      json.put("iss", iss);
      json.put("sub", sub);
      return json;
    }
  }

  /** A person, by email address. Compared case-insensitively in its domain part only. */
  record Email(String email) implements SubjectId {
    public Email {
      checkValue(email, "email");
      int at = email.lastIndexOf('@');
      if (at <= 0 || at == email.length() - 1) {
        throw new IllegalArgumentException("email must be an address, was '" + email + "'");
      }
    }

    @Override
    public Map<String, Object> toJson() {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("format", "email");
      json.put("email", email);
      return json;
    }
  }

  /** An identifier only the two parties understand: a token id, grant id or client id. */
  record Opaque(String id) implements SubjectId {
    public Opaque {
      checkValue(id, "id");
    }

    @Override
    public Map<String, Object> toJson() {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("format", "opaque");
      json.put("id", id);
      return json;
    }
  }

  /** Several facets of one subject, each a simple identifier (SSF complex subject). */
  record Complex(Map<String, SubjectId> members) implements SubjectId {
    public Complex {
      requireNonNull(members, "members");
      if (members.isEmpty()) {
        throw new IllegalArgumentException("a complex subject needs at least one member");
      }
      for (Map.Entry<String, SubjectId> member : members.entrySet()) {
        if (!COMPLEX_MEMBERS.contains(member.getKey())) {
          throw new IllegalArgumentException(
              "unknown complex subject member '"
                  + member.getKey()
                  + "'; known: "
                  + COMPLEX_MEMBERS);
        }
        if (member.getValue() instanceof Complex) {
          throw new IllegalArgumentException("complex subjects do not nest");
        }
      }
      members = Map.copyOf(new LinkedHashMap<>(members));
    }

    /** One facet, say {@code user} or {@code token}, when present. */
    public java.util.Optional<SubjectId> member(String name) {
      return java.util.Optional.ofNullable(members.get(name));
    }

    @Override
    public Map<String, Object> toJson() {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("format", "complex");
      members.entrySet().stream()
          .sorted(Map.Entry.comparingByKey())
          .forEach(member -> json.put(member.getKey(), member.getValue().toJson()));
      return json;
    }
  }

  /**
   * Reads a subject identifier from its JSON object.
   *
   * @throws IllegalArgumentException naming what is wrong: an unknown format, a missing or
   *     oversized member, a nested complex subject
   */
  static SubjectId fromJson(Map<String, ?> json) {
    requireNonNull(json, "json");
    Object format = json.get("format");
    if (!(format instanceof String name)) {
      throw new IllegalArgumentException("a subject identifier needs a string 'format'");
    }
    return switch (name) {
      case "iss_sub" -> {
        only(json, "iss", "sub");
        yield new IssSub(string(json, "iss"), string(json, "sub"));
      }
      case "email" -> {
        only(json, "email");
        yield new Email(string(json, "email"));
      }
      case "opaque" -> {
        only(json, "id");
        yield new Opaque(string(json, "id"));
      }
      case "complex" -> {
        Map<String, SubjectId> members = new LinkedHashMap<>();
        for (Map.Entry<String, ?> member : json.entrySet()) {
          if (member.getKey().equals("format")) {
            continue;
          }
          if (!(member.getValue() instanceof Map<?, ?> value)) {
            throw new IllegalArgumentException(
                "complex subject member '" + member.getKey() + "' must be an object");
          }
          @SuppressWarnings("unchecked")
          Map<String, ?> object = (Map<String, ?>) value;
          if ("complex".equals(object.get("format"))) {
            throw new IllegalArgumentException("complex subjects do not nest");
          }
          members.put(member.getKey(), fromJson(object));
        }
        yield new Complex(members);
      }
      default ->
          throw new IllegalArgumentException(
              "unsupported subject format '"
                  + name
                  + "'; supported: iss_sub, email, opaque, complex");
    };
  }

  private static String string(Map<String, ?> json, String member) {
    Object value = json.get(member);
    if (!(value instanceof String text)) {
      throw new IllegalArgumentException("subject member '" + member + "' must be a string");
    }
    return text;
  }

  private static void only(Map<String, ?> json, String... members) {
    Set<String> allowed = new java.util.HashSet<>(Set.of(members));
    allowed.add("format");
    for (String key : json.keySet()) {
      if (!allowed.contains(key)) {
        throw new IllegalArgumentException(
            "unexpected member '" + key + "' in a " + json.get("format") + " subject");
      }
    }
  }

  private static void checkValue(String value, String name) {
    requireNonNull(value, name);
    if (value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
    if (value.length() > MAX_VALUE_LENGTH) {
      throw new IllegalArgumentException(
          name + " is longer than " + MAX_VALUE_LENGTH + " characters");
    }
  }
}
