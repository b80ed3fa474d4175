package io.tokenwatch.anomaly;

import static java.util.Objects.requireNonNull;

/**
 * What an automatic response revokes: one token, a grant, a subject or a client.
 *
 * @param kind what {@code value} names
 * @param value the token id, grant id, subject or client id
 */
public record Target(Kind kind, String value) {

  /** What a target names; the lower-case name is the revocation selector's prefix. */
  public enum Kind {
    TOKEN,
    GRANT,
    SUBJECT,
    CLIENT
  }

  public Target {
    requireNonNull(kind, "kind");
    requireNonNull(value, "value");
    if (value.isBlank()) {
      throw new IllegalArgumentException("target value must not be blank");
    }
  }

  public static Target token(String tokenId) {
    return new Target(Kind.TOKEN, tokenId);
  }

  public static Target grant(String grantId) {
    return new Target(Kind.GRANT, grantId);
  }

  public static Target subject(String subject) {
    return new Target(Kind.SUBJECT, subject);
  }

  public static Target client(String clientId) {
    return new Target(Kind.CLIENT, clientId);
  }
}
