package io.tokenwatch.issuer.token;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.issuer.PresentedCredentials;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A request to the token endpoint, as the HTTP layer read it.
 *
 * @param params the form parameters, each present once (duplicates are refused before this), except
 *     <code>resource</code>
 * @param resources the RFC 8707 <code>resource</code> parameters, in request order (the one
 *     parameter that may be given more than once); empty values count as omitted
 * @param credentials what the request offered to authenticate its client
 * @param dpopProof the {@code DPoP} header, if any
 * @param endpointUrl the token endpoint's URL, which a DPoP proof's {@code htu} must name
 * @param sourceAddress the caller's address, for the audit trail
 */
public record TokenRequest(
    Map<String, String> params,
    List<String> resources,
    PresentedCredentials credentials,
    @Nullable String dpopProof,
    String endpointUrl,
    @Nullable String sourceAddress) {

  public TokenRequest {
    params = Map.copyOf(requireNonNull(params, "params"));
    resources = requireNonNull(resources, "resources").stream().filter(r -> !r.isEmpty()).toList();
    requireNonNull(credentials, "credentials");
    requireNonNull(endpointUrl, "endpointUrl");
  }

  /** A parameter, or null when absent or empty (RFC 6749: empty parameters count as omitted). */
  public @Nullable String param(String name) {
    String value = params.get(name);
    return value == null || value.isEmpty() ? null : value;
  }
}
