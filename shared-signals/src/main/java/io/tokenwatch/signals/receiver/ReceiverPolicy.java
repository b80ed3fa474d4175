package io.tokenwatch.signals.receiver;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Set;

/**
 * What a received SET must satisfy.
 *
 * @param issuer the upstream transmitter's issuer: {@code iss} must equal it exactly
 * @param audience the audience {@code aud} must contain
 * @param algorithms the accepted JWS algorithms; only asymmetric ones may be listed
 * @param maxAge how old {@code iat} may be
 * @param clockSkew how far in the future {@code iat} and {@code event_timestamp} may be
 * @param maxBytes the largest SET accepted, in bytes
 * @param subjects how subjects map to Tokenwatch subjects
 */
public record ReceiverPolicy(
    String issuer,
    String audience,
    Set<String> algorithms,
    Duration maxAge,
    Duration clockSkew,
    int maxBytes,
    SubjectMapping subjects) {

  /** The asymmetric JWS algorithms a policy may accept. */
  public static final Set<String> ASYMMETRIC =
      Set.of(
          "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
          "Ed25519");

  public ReceiverPolicy {
    requireNonNull(issuer, "issuer");
    requireNonNull(audience, "audience");
    algorithms = Set.copyOf(requireNonNull(algorithms, "algorithms"));
    requireNonNull(maxAge, "maxAge");
    requireNonNull(clockSkew, "clockSkew");
    requireNonNull(subjects, "subjects");
    if (issuer.isBlank() || audience.isBlank()) {
      throw new IllegalArgumentException("issuer and audience must not be blank");
    }
    if (algorithms.isEmpty() || !ASYMMETRIC.containsAll(algorithms)) {
      throw new IllegalArgumentException(
          "algorithms must be a non-empty subset of " + ASYMMETRIC + ", was " + algorithms);
    }
    if (maxAge.isNegative() || maxAge.isZero() || clockSkew.isNegative()) {
      throw new IllegalArgumentException("maxAge must be positive and clockSkew not negative");
    }
    if (maxBytes < 256) {
      throw new IllegalArgumentException("maxBytes must be at least 256, was " + maxBytes);
    }
  }
}
