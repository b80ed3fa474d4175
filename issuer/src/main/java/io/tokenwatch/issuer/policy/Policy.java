package io.tokenwatch.issuer.policy;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A validated issuance policy. Deny by default: a client, audience or scope it does not name gets
 * nothing.
 *
 * @param id stable id of the policy document
 * @param version content hash of the document, stamped on every token and event it decides
 * @param clients every client, by id
 * @param scopes the scope catalogue, by name
 * @param admins client ids allowed to call the admin API, with their own credentials or with an
 *     access token for the issuer's admin audience that carries {@code adminScope}
 * @param adminScope the scope an access token needs to call the admin API; only admins' rules may
 *     approve it
 * @param revocationRights who may revoke what ({@code revocation_rights}), and what needs a second
 *     person
 */
public record Policy(
    String id,
    String version,
    Map<String, ClientPolicy> clients,
    Map<String, ScopeDefinition> scopes,
    Set<String> admins,
    String adminScope,
    RevocationRights revocationRights) {

  /** The admin scope when the policy names none. */
  public static final String DEFAULT_ADMIN_SCOPE = "tokenwatch:admin";

  public Policy {
    requireNonNull(id, "id");
    requireNonNull(version, "version");
    clients = Map.copyOf(requireNonNull(clients, "clients"));
    scopes = Map.copyOf(requireNonNull(scopes, "scopes"));
    admins = Set.copyOf(requireNonNull(admins, "admins"));
    requireNonNull(adminScope, "adminScope");
    requireNonNull(revocationRights, "revocationRights");
  }

  /** A policy with the {@link RevocationRights#DEFAULTS default} revocation rights. */
  public Policy(
      String id,
      String version,
      Map<String, ClientPolicy> clients,
      Map<String, ScopeDefinition> scopes,
      Set<String> admins,
      String adminScope) {
    this(id, version, clients, scopes, admins, adminScope, RevocationRights.DEFAULTS);
  }

  /** The client of that id, empty for an unknown one. */
  public Optional<ClientPolicy> client(String clientId) {
    return Optional.ofNullable(clients.get(clientId));
  }

  /** The longest access-token lifetime any rule allows (zero for a policy without rules). */
  public Duration longestTtl() {
    return clients.values().stream()
        .flatMap(client -> client.audiences().values().stream())
        .map(AudienceRule::maxTtl)
        .max(Duration::compareTo)
        .orElse(Duration.ZERO);
  }
}
