package io.tokenwatch.issuer.policy;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One client of the policy.
 *
 * @param clientId the OAuth client id
 * @param kind machine (confidential) or public
 * @param secretHash base64url SHA-256 of the client secret, or null when the client has none
 * @param mtlsThumbprint base64url SHA-256 thumbprint of the client's certificate, or null
 * @param audiences what it may get, per audience
 * @param mayActForOthers whether it may exchange a subject's token for a delegated one (RFC 8693)
 * @param description what the client is, in plain words for the people asked to consent to it, or
 *     null when the policy says nothing
 * @param redirectUris where the authorization endpoint may send a person back with a code or an
 *     error: compared as exact strings, never normalised (RFC 9700 section 4.1.3)
 */
public record ClientPolicy(
    String clientId,
    ClientKind kind,
    @Nullable String secretHash,
    @Nullable String mtlsThumbprint,
    Map<String, AudienceRule> audiences,
    boolean mayActForOthers,
    @Nullable String description,
    List<String> redirectUris) {

  public ClientPolicy {
    requireNonNull(clientId, "clientId");
    requireNonNull(kind, "kind");
    audiences = Map.copyOf(requireNonNull(audiences, "audiences"));
    redirectUris = List.copyOf(requireNonNull(redirectUris, "redirectUris"));
  }

  /** A client no person can be asked to consent to: no description, no redirect URI. */
  public ClientPolicy(
      String clientId,
      ClientKind kind,
      @Nullable String secretHash,
      @Nullable String mtlsThumbprint,
      Map<String, AudienceRule> audiences,
      boolean mayActForOthers) {
    this(clientId, kind, secretHash, mtlsThumbprint, audiences, mayActForOthers, null, List.of());
  }

  /**
   * Whether {@code redirectUri} is one of the registered ones, character for character: a trailing
   * slash, another case, port, path or encoding is another URI, so a near miss never receives a
   * code.
   */
  public boolean registered(String redirectUri) {
    return redirectUris.contains(requireNonNull(redirectUri, "redirectUri"));
  }

  /** The rule for {@code audience}, empty when the client may not get tokens for it. */
  public Optional<AudienceRule> rule(String audience) {
    return Optional.ofNullable(audiences.get(audience));
  }
}
