package io.tokenwatch.signals.receiver;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.signals.SubjectId;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * How the upstream's subject identifiers (RFC 9493) become Tokenwatch subjects. Only the formats
 * listed are mapped; anything else is refused, never guessed.
 *
 * <ul>
 *   <li>{@code iss_sub}: when {@code iss} equals {@code subjectIssuer}, its {@code sub}.
 *   <li>{@code email}: the address, its domain in lower case (domains are case-insensitive, local
 *       parts are not).
 *   <li>{@code complex}: its {@code user} member, mapped by the rules above; a complex subject
 *       without {@code user} is refused.
 * </ul>
 *
 * @param formats the simple formats mapped: {@code iss_sub} and/or {@code email}
 * @param subjectIssuer the issuer whose {@code iss_sub} subjects are Tokenwatch subjects
 */
public record SubjectMapping(Set<Format> formats, String subjectIssuer) {

  /** A simple subject format that can be mapped. */
  public enum Format {
    ISS_SUB,
    EMAIL;

    /** The format from its RFC 9493 name, e.g. {@code iss_sub}. */
    public static Format of(String name) {
      return switch (name) {
        case "iss_sub" -> ISS_SUB;
        case "email" -> EMAIL;
        default ->
            throw new IllegalArgumentException(
                "unsupported subject format '" + name + "'; supported: iss_sub, email");
      };
    }
  }

  public SubjectMapping {
    formats = Set.copyOf(requireNonNull(formats, "formats"));
    requireNonNull(subjectIssuer, "subjectIssuer");
    if (formats.isEmpty()) {
      throw new IllegalArgumentException("map at least one subject format");
    }
  }

  /** The Tokenwatch subject, or empty when this mapping does not cover {@code subject}. */
  public Optional<String> map(SubjectId subject) {
    requireNonNull(subject, "subject");
    if (subject instanceof SubjectId.IssSub issSub) {
      return formats.contains(Format.ISS_SUB) && issSub.iss().equals(subjectIssuer)
          ? Optional.of(issSub.sub())
          : Optional.empty();
    }
    if (subject instanceof SubjectId.Email email) {
      return formats.contains(Format.EMAIL) ? Optional.of(normalize(email)) : Optional.empty();
    }
    if (subject instanceof SubjectId.Complex complex) {
      return complex.member("user").flatMap(this::map);
    }
    return Optional.empty(); // opaque identifiers name no person
  }

  private static String normalize(SubjectId.Email email) {
    String address = email.email();
    int at = address.lastIndexOf('@');
    return address.substring(0, at + 1) + address.substring(at + 1).toLowerCase(Locale.ROOT);
  }
}
