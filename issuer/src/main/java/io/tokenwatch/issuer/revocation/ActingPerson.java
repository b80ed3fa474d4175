package io.tokenwatch.issuer.revocation;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.people.Role;
import java.util.EnumSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A person revoking, or deciding on a pending revocation, already authenticated.
 *
 * @param id their person id; two requests by the same id are the same person, whichever way they
 *     logged in
 * @param identity how revocations name them: {@code person:<id>}, plus {@code ;via:<URL>} when a
 *     front end asserted them
 * @param roles what they may do
 */
public record ActingPerson(String id, String identity, Set<Role> roles) {
  public ActingPerson {
    requireNonNull(id, "id");
    requireNonNull(identity, "identity");
    requireNonNull(roles, "roles");
    if (id.isBlank()) {
      throw new IllegalArgumentException("id must not be blank");
    }
    roles = roles.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(roles));
  }

  /**
   * The person {@code id} with {@code roles}, named {@code person:<id>} and, when {@code asserter}
   * is given, {@code ;via:<asserter>}. A {@code ;} or {@code %} in either (an upstream subject may
   * hold anything) is percent-encoded, so no id can pass itself off as a second part such as {@code
   * ;approved-by:}.
   */
  public static ActingPerson of(String id, Set<Role> roles, @Nullable String asserter) {
    return new ActingPerson(
        id, "person:" + escape(id) + (asserter == null ? "" : ";via:" + escape(asserter)), roles);
  }

  private static String escape(String part) {
    StringBuilder out = new StringBuilder(part.length());
    part.codePoints()
        .forEach(
            c -> {
              if (c == ';' || c == '%' || Character.isISOControl(c)) {
                out.append(String.format(java.util.Locale.ROOT, "%%%02X", c));
              } else {
                out.appendCodePoint(c);
              }
            });
    return out.toString();
  }
}
