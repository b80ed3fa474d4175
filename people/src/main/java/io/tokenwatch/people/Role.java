package io.tokenwatch.people;

import static java.util.Objects.requireNonNull;

import java.util.Locale;
import java.util.Optional;

/**
 * What a person may do beyond acting for themselves. Users files and upstream role claims name
 * roles in lower case ({@code approver}); {@link #parse} and {@link #fromName} read those names.
 */
public enum Role {
  /** Consents for themselves and asks for access. */
  USER,
  /** Approves or refuses other people's access requests and policy changes. */
  APPROVER,
  /** Reviews grants and the audit trail. */
  AUDITOR,
  /** Queries and replays the audit history. */
  ANALYST,
  /** Answers security alerts: revokes. */
  RESPONDER,
  /** Administers Tokenwatch. */
  ADMIN;

  /** The lower-case name used in users files and role claims. */
  public String externalName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The role named {@code name} (lower case, as in a users file).
   *
   * @throws IllegalArgumentException naming the valid roles when there is none by that name
   */
  public static Role parse(String name) {
    return fromName(name)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "unknown role '"
                        + name
                        + "'; roles are user, approver, auditor, analyst, responder, admin"));
  }

  /** The role named {@code name} in lower case, or empty: upstream claims may carry others. */
  public static Optional<Role> fromName(String name) {
    requireNonNull(name, "name");
    for (Role role : values()) {
      if (role.externalName().equals(name)) {
        return Optional.of(role);
      }
    }
    return Optional.empty();
  }
}
