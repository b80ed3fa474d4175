package io.tokenwatch.issuer.policy;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Set;

/**
 * A time-bound exception to policy: for a while, a client may get scopes for an audience beyond
 * what its rule for that audience grants. Approved access requests become exceptions; issuance
 * consults them as plain data and stamps the exception id as the rule of every token issued under
 * one.
 *
 * @param id the exception id ({@code exc-...}), recorded as the token's rule
 * @param clientId the client it widens
 * @param audience the audience it widens; the client must already have a rule for it
 * @param scopes the scopes it adds to that rule
 * @param from when it comes into force
 * @param until when it ends (exclusive); no token issued under it lives past this
 */
public record PolicyException(
    String id, String clientId, String audience, Set<String> scopes, Instant from, Instant until) {

  public PolicyException {
    requireNonNull(id, "id");
    requireNonNull(clientId, "clientId");
    requireNonNull(audience, "audience");
    scopes = Set.copyOf(requireNonNull(scopes, "scopes"));
    requireNonNull(from, "from");
    requireNonNull(until, "until");
    if (!until.isAfter(from)) {
      throw new IllegalArgumentException("an exception must end after it starts");
    }
  }

  /** Whether it is in force at {@code now}: from its start, up to but excluding its end. */
  public boolean inForceAt(Instant now) {
    return !now.isBefore(from) && now.isBefore(until);
  }
}
