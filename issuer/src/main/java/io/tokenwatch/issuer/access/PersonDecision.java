package io.tokenwatch.issuer.access;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One person's approval, refusal or review of an access request.
 *
 * @param person who decided
 * @param decidedAt when
 * @param comment what they said, if anything
 */
public record PersonDecision(String person, Instant decidedAt, @Nullable String comment) {
  public PersonDecision {
    requireNonNull(person, "person");
    requireNonNull(decidedAt, "decidedAt");
  }
}
