package io.tokenwatch.issuer.access;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What a person asks for, before it is checked against policy.
 *
 * @param kind SCOPE or NARROW (POLICY_CHANGE requests are opened by the issuer itself)
 * @param clientId the client concerned
 * @param audience the audience concerned; a NARROW request without one concerns every audience of
 *     the client
 * @param scopes the scopes to add (SCOPE) or take away (NARROW)
 * @param purpose why, in plain words
 * @param duration for SCOPE, how long the exception should last once approved; for NARROW, the
 *     period stated with the proposal, if any (no exception follows from it)
 */
public record NewAccessRequest(
    AccessKind kind,
    String clientId,
    @Nullable String audience,
    List<String> scopes,
    String purpose,
    @Nullable Duration duration) {
  public NewAccessRequest {
    requireNonNull(kind, "kind");
    requireNonNull(clientId, "clientId");
    scopes = List.copyOf(requireNonNull(scopes, "scopes"));
    requireNonNull(purpose, "purpose");
  }
}
