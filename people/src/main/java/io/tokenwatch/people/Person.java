package io.tokenwatch.people;

import static java.util.Objects.requireNonNull;

import java.util.EnumSet;
import java.util.Set;

/**
 * A person acting through Tokenwatch.
 *
 * @param id stable identifier: the users-file name for local people, the upstream subject (or the
 *     configured claim) for people logged in through OpenID Connect
 * @param name display name
 * @param roles what they may do; may be empty
 * @param login {@value #LOCAL} for the users file, or the upstream OpenID Connect issuer URL
 */
public record Person(String id, String name, Set<Role> roles, String login) {

  /** The {@link #login} of people from the users file. */
  public static final String LOCAL = "local";

  public Person {
    requireNonNull(id, "id");
    requireNonNull(name, "name");
    requireNonNull(roles, "roles");
    requireNonNull(login, "login");
    if (id.isBlank()) {
      throw new IllegalArgumentException("id must not be blank");
    }
    if (login.isBlank()) {
      throw new IllegalArgumentException("login must not be blank");
    }
    roles = roles.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(roles));
  }

  /** Whether this person holds {@code role}. */
  public boolean has(Role role) {
    return roles.contains(requireNonNull(role, "role"));
  }
}
