package io.tokenwatch.issuer.policy;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.people.Role;
import io.tokenwatch.schemas.revocation.SelectorRules;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Reads a policy document (YAML) and validates it in full: every problem is collected and reported
 * at once through {@link InvalidPolicyException}, so an operator fixes a file in one round. The
 * document's format is described in the module README and shown by {@code sample-policy.yaml}.
 *
 * <p>The version is the first 16 hex digits of the SHA-256 of the document's bytes: any change,
 * however small, gives tokens and events a new version, and the same file always the same one.
 *
 * <p>Stateless and thread-safe.
 */
public final class PolicyParser {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern SHA256_B64URL = Pattern.compile("[A-Za-z0-9_-]{43}");
  private static final Pattern SCOPE_TOKEN = Pattern.compile("[\\x21\\x23-\\x5B\\x5D-\\x7E]+");
  private static final Set<String> TOP_KEYS =
      Set.of("policy_id", "scopes", "admins", "admin_scope", "clients", "revocation_rights");
  private static final Set<String> REVOCATION_RIGHT_KEYS = Set.of("roles", "second_person");
  private static final Set<String> SCOPE_KEYS = Set.of("description", "risk");
  private static final Set<String> CLIENT_KEYS =
      Set.of(
          "kind",
          "description",
          "secret_sha256",
          "mtls_thumbprint",
          "may_act_for_others",
          "redirect_uris",
          "audiences");
  private static final Set<String> RULE_KEYS =
      Set.of(
          "scopes",
          "default_ttl",
          "max_ttl",
          "max_uses",
          "binding",
          "refresh_ttl",
          "user_consent",
          "consent_ttl");

  /**
   * The audience key that stands for the issuer's own URL ({@code issuer.url}): the audience of its
   * admin API's tokens, which a policy cannot know in advance when the issuer may run on any host
   * or port.
   */
  public static final String ISSUER_AUDIENCE = "${issuer.url}";

  private final Duration ttlCeiling;
  private final String issuerUrl;

  /**
   * @param ttlCeiling the longest access-token lifetime the issuer allows whatever a policy says;
   *     revocation records rely on it to know when every token they cover has expired
   * @param issuerUrl the issuer URL, what the audience key {@value #ISSUER_AUDIENCE} stands for
   */
  public PolicyParser(Duration ttlCeiling, String issuerUrl) {
    this.ttlCeiling = requireNonNull(ttlCeiling, "ttlCeiling");
    this.issuerUrl = requireNonNull(issuerUrl, "issuerUrl");
  }

  /**
   * Parses and validates a document.
   *
   * @throws InvalidPolicyException listing every problem
   */
  public Policy parse(byte[] document) {
    requireNonNull(document, "document");
    JsonNode root;
    try {
      root = YAML.readTree(document);
    } catch (JsonProcessingException e) {
      throw new InvalidPolicyException(
          List.of("not valid YAML: " + e.getOriginalMessage().lines().findFirst().orElse("")));
    } catch (java.io.IOException e) {
      throw new InvalidPolicyException(List.of("cannot read the document: " + e.getMessage()));
    }
    if (root == null || !root.isObject()) {
      throw new InvalidPolicyException(List.of("the document must be a YAML mapping"));
    }
    List<String> problems = new ArrayList<>();
    unknownKeys(root, TOP_KEYS, "", problems);

    String policyId = text(root, "policy_id", "policy_id", problems, true);
    Map<String, ScopeDefinition> scopes = scopes(root.get("scopes"), problems);
    Map<String, ClientPolicy> clients = clients(root.get("clients"), scopes, problems);
    Set<String> admins = new LinkedHashSet<>();
    JsonNode adminsNode = root.get("admins");
    if (adminsNode != null && !adminsNode.isNull()) {
      if (!adminsNode.isArray()) {
        problems.add("admins: must be a list of client ids");
      } else {
        for (JsonNode admin : adminsNode) {
          String id = admin.asText();
          ClientPolicy client = clients.get(id);
          if (client == null) {
            problems.add("admins: '" + id + "' is not a client of this policy");
          } else if (client.kind() == ClientKind.PUBLIC) {
            problems.add("admins: '" + id + "' is a public client and cannot authenticate");
          }
          admins.add(id);
        }
      }
    }
    String adminScope = text(root, "admin_scope", "admin_scope", problems, false);
    if (adminScope == null) {
      adminScope = Policy.DEFAULT_ADMIN_SCOPE;
    } else if (!SCOPE_TOKEN.matcher(adminScope).matches()) {
      problems.add("admin_scope: not a valid scope token (RFC 6749 section 3.3)");
    }
    for (ClientPolicy client : clients.values()) {
      for (AudienceRule rule : client.audiences().values()) {
        if (rule.scopes().contains(adminScope) && !admins.contains(client.clientId())) {
          // The admin scope is the admin API's key: a rule handing it out makes an admin.
          problems.add(
              "clients."
                  + client.clientId()
                  + ".audiences."
                  + rule.audience()
                  + ".scopes: grants the admin scope '"
                  + adminScope
                  + "' but the client is not listed in admins");
        }
      }
    }
    RevocationRights rights = revocationRights(root.get("revocation_rights"), problems);
    if (!problems.isEmpty()) {
      throw new InvalidPolicyException(problems);
    }
    return new Policy(
        requireNonNull(policyId), version(document), clients, scopes, admins, adminScope, rights);
  }

  /**
   * The {@code revocation_rights} section: per selector kind, {@code roles} (a list of role names)
   * and {@code second_person} (true or false, default false). Kinds it leaves out keep their {@link
   * RevocationRights#DEFAULTS default}: revoking stays possible in an incident when an operator
   * tightened only the broad kinds.
   */
  private static RevocationRights revocationRights(@Nullable JsonNode node, List<String> out) {
    if (node == null || node.isNull()) {
      return RevocationRights.DEFAULTS;
    }
    if (!node.isObject()) {
      out.add(
          "revocation_rights: must be a mapping of selector kind to its roles and second_person");
      return RevocationRights.DEFAULTS;
    }
    Map<SelectorKind, RevocationRights.Rule> rules =
        new EnumMap<>(RevocationRights.DEFAULTS.byKind());
    String kinds =
        RevocationRights.kinds().stream()
            .map(RevocationRights::name)
            .collect(java.util.stream.Collectors.joining(", "));
    for (Map.Entry<String, JsonNode> entry : node.properties()) {
      String where = "revocation_rights." + entry.getKey();
      SelectorKind kind =
          RevocationRights.kinds().stream()
              .filter(k -> RevocationRights.name(k).equals(entry.getKey()))
              .findFirst()
              .orElse(null);
      if (kind == null) {
        out.add(where + ": not a selector kind; the kinds are " + kinds);
        continue;
      }
      JsonNode rule = entry.getValue();
      if (!rule.isObject()) {
        out.add(where + ": must be a mapping with roles and second_person");
        continue;
      }
      unknownKeys(rule, REVOCATION_RIGHT_KEYS, where + ".", out);
      JsonNode rolesNode = rule.get("roles");
      Set<Role> roles = EnumSet.noneOf(Role.class);
      if (rolesNode == null || !rolesNode.isArray()) {
        out.add(where + ".roles: required, a list of role names (e.g. [responder, admin])");
        continue;
      }
      boolean valid = true;
      for (JsonNode role : rolesNode) {
        java.util.Optional<Role> named =
            role.isTextual() ? Role.fromName(role.asText()) : java.util.Optional.empty();
        if (named.isEmpty()) {
          out.add(
              where
                  + ".roles: '"
                  + role.asText()
                  + "' is not a role; roles are user, approver, auditor, analyst, responder,"
                  + " admin");
          valid = false;
        } else {
          roles.add(named.get());
        }
      }
      boolean secondPerson = false;
      JsonNode second = rule.get("second_person");
      if (second != null && !second.isNull()) {
        if (!second.isBoolean()) {
          out.add(where + ".second_person: must be true or false");
          valid = false;
        } else {
          secondPerson = second.booleanValue();
        }
      }
      if (valid) {
        rules.put(kind, new RevocationRights.Rule(roles, secondPerson));
      }
    }
    return new RevocationRights(rules);
  }

  private static String version(byte[] document) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(document);
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }

  private static Map<String, ScopeDefinition> scopes(@Nullable JsonNode node, List<String> out) {
    Map<String, ScopeDefinition> scopes = new LinkedHashMap<>();
    if (node == null || !node.isObject() || node.isEmpty()) {
      out.add("scopes: the scope catalogue is required (a mapping of scope name to description)");
      return scopes;
    }
    for (Map.Entry<String, JsonNode> entry : node.properties()) {
      String name = entry.getKey();
      String where = "scopes." + name;
      if (!SCOPE_TOKEN.matcher(name).matches()) {
        out.add(where + ": not a valid scope token (RFC 6749 section 3.3)");
      }
      JsonNode scope = entry.getValue();
      if (!scope.isObject()) {
        out.add(where + ": must be a mapping with description and risk");
        continue;
      }
      unknownKeys(scope, SCOPE_KEYS, where + ".", out);
      String description = text(scope, "description", where + ".description", out, true);
      RiskLevel risk = enumValue(scope, "risk", RiskLevel.class, where + ".risk", out, null);
      if (description != null && risk != null) {
        scopes.put(name, new ScopeDefinition(name, description, risk));
      }
    }
    return scopes;
  }

  private Map<String, ClientPolicy> clients(
      @Nullable JsonNode node, Map<String, ScopeDefinition> catalogue, List<String> out) {
    Map<String, ClientPolicy> clients = new LinkedHashMap<>();
    if (node == null || !node.isObject()) {
      out.add("clients: required (a mapping of client id to its settings)");
      return clients;
    }
    Set<String> thumbprints = new HashSet<>();
    for (Map.Entry<String, JsonNode> entry : node.properties()) {
      String clientId = entry.getKey();
      String where = "clients." + clientId;
      JsonNode client = entry.getValue();
      // Every client must be revocable as client:<id> (the shared selector rules).
      SelectorRules.valueProblem(clientId)
          .ifPresent(problem -> out.add(where + ": the client id " + problem));
      if (!client.isObject()) {
        out.add(where + ": must be a mapping");
        continue;
      }
      unknownKeys(client, CLIENT_KEYS, where + ".", out);
      ClientKind kind = enumValue(client, "kind", ClientKind.class, where + ".kind", out, null);
      String secret = text(client, "secret_sha256", where + ".secret_sha256", out, false);
      String thumbprint = text(client, "mtls_thumbprint", where + ".mtls_thumbprint", out, false);
      if (secret != null && !SHA256_B64URL.matcher(secret).matches()) {
        out.add(where + ".secret_sha256: must be the base64url SHA-256 of the secret (43 chars)");
      }
      if (thumbprint != null && !SHA256_B64URL.matcher(thumbprint).matches()) {
        out.add(where + ".mtls_thumbprint: must be a base64url SHA-256 thumbprint (43 chars)");
      }
      if (thumbprint != null && !thumbprints.add(thumbprint)) {
        out.add(where + ".mtls_thumbprint: already used by another client");
      }
      if (kind == ClientKind.MACHINE && secret == null && thumbprint == null) {
        out.add(where + ": a machine client needs secret_sha256 or mtls_thumbprint");
      }
      if (kind == ClientKind.PUBLIC && (secret != null || thumbprint != null)) {
        out.add(where + ": a public client has no credential; make it a machine client");
      }
      boolean mayAct = false;
      JsonNode act = client.get("may_act_for_others");
      if (act != null && !act.isNull()) {
        if (!act.isBoolean()) {
          out.add(where + ".may_act_for_others: must be true or false");
        } else {
          mayAct = act.booleanValue();
        }
      }
      Map<String, AudienceRule> rules = rules(clientId, client.get("audiences"), catalogue, out);
      String description = text(client, "description", where + ".description", out, false);
      List<String> redirectUris = redirectUris(client.get("redirect_uris"), where, out);
      boolean consentable = rules.values().stream().anyMatch(AudienceRule::userConsent);
      if (consentable && redirectUris.isEmpty()) {
        out.add(
            where
                + ".redirect_uris: a client people may consent to needs at least one redirect URI");
      }
      if (kind != null) {
        clients.put(
            clientId,
            new ClientPolicy(
                clientId, kind, secret, thumbprint, rules, mayAct, description, redirectUris));
      }
    }
    return clients;
  }

  private Map<String, AudienceRule> rules(
      String clientId,
      @Nullable JsonNode node,
      Map<String, ScopeDefinition> catalogue,
      List<String> out) {
    Map<String, AudienceRule> rules = new LinkedHashMap<>();
    String base = "clients." + clientId + ".audiences";
    if (node == null || node.isNull()) {
      return rules; // a client without audiences gets nothing: deny by default
    }
    if (!node.isObject()) {
      out.add(base + ": must be a mapping of audience to rule");
      return rules;
    }
    for (Map.Entry<String, JsonNode> entry : node.properties()) {
      String key = entry.getKey();
      String where = base + "." + key;
      String audience = key.equals(ISSUER_AUDIENCE) ? issuerUrl : key;
      JsonNode rule = entry.getValue();
      // Every audience must be revocable as audience:<aud> (the shared selector rules).
      SelectorRules.valueProblem(audience)
          .ifPresent(problem -> out.add(where + ": the audience " + problem));
      if (rules.containsKey(audience)) {
        out.add(where + ": names the audience " + audience + " a second time");
      }
      if (!rule.isObject()) {
        out.add(where + ": must be a mapping");
        continue;
      }
      unknownKeys(rule, RULE_KEYS, where + ".", out);
      int before = out.size();
      Set<String> scopes = new LinkedHashSet<>();
      JsonNode scopesNode = rule.get("scopes");
      if (scopesNode == null || !scopesNode.isArray() || scopesNode.isEmpty()) {
        out.add(where + ".scopes: a non-empty list of scopes is required");
      } else {
        for (JsonNode scope : scopesNode) {
          if (!catalogue.containsKey(scope.asText())) {
            out.add(where + ".scopes: '" + scope.asText() + "' is not in the scope catalogue");
          }
          scopes.add(scope.asText());
        }
      }
      Duration defaultTtl = duration(rule, "default_ttl", where, out, true);
      Duration maxTtl = duration(rule, "max_ttl", where, out, true);
      Duration refreshTtl = duration(rule, "refresh_ttl", where, out, false);
      if (maxTtl != null && maxTtl.compareTo(ttlCeiling) > 0) {
        out.add(where + ".max_ttl: " + maxTtl + " exceeds the issuer's ceiling of " + ttlCeiling);
      }
      if (defaultTtl != null && maxTtl != null && defaultTtl.compareTo(maxTtl) > 0) {
        out.add(where + ".default_ttl: longer than max_ttl");
      }
      Integer maxUses = null;
      JsonNode uses = rule.get("max_uses");
      if (uses != null && !uses.isNull()) {
        if (!uses.canConvertToInt() || !uses.isIntegralNumber() || uses.intValue() < 1) {
          out.add(where + ".max_uses: must be a positive integer");
        } else {
          maxUses = uses.intValue();
        }
      }
      Binding binding =
          enumValue(rule, "binding", Binding.class, where + ".binding", out, Binding.NONE);
      boolean userConsent = false;
      JsonNode consent = rule.get("user_consent");
      if (consent != null && !consent.isNull()) {
        if (!consent.isBoolean()) {
          out.add(where + ".user_consent: must be true or false");
        } else {
          userConsent = consent.booleanValue();
        }
      }
      Duration consentTtl = duration(rule, "consent_ttl", where, out, false);
      if (consentTtl != null && !userConsent) {
        out.add(where + ".consent_ttl: only a rule with user_consent: true has consents");
      }
      if (consentTtl != null && consentTtl.compareTo(AudienceRule.MAX_CONSENT_TTL) > 0) {
        out.add(where + ".consent_ttl: " + consentTtl + " exceeds the longest consent, P365D");
      }
      if (userConsent && binding != Binding.NONE) {
        // The client proves a key at the token endpoint only; the consent page cannot ask for it.
        out.add(where + ".user_consent: a rule people consent to cannot require a binding yet");
      }
      if (out.size() == before && defaultTtl != null && maxTtl != null && binding != null) {
        rules.put(
            audience,
            new AudienceRule(
                clientId + "/" + audience,
                audience,
                scopes,
                defaultTtl,
                maxTtl,
                maxUses,
                binding,
                refreshTtl,
                userConsent,
                consentTtl == null ? AudienceRule.DEFAULT_CONSENT_TTL : consentTtl));
      }
    }
    return rules;
  }

  /**
   * The client's redirect URIs: each an absolute {@code https} URI, or {@code http} on a loopback
   * address (RFC 8252 section 7.3), without a fragment (RFC 6749 section 3.1.2) or user info.
   */
  private static List<String> redirectUris(
      @Nullable JsonNode node, String where, List<String> out) {
    List<String> uris = new ArrayList<>();
    if (node == null || node.isNull()) {
      return uris;
    }
    if (!node.isArray()) {
      out.add(where + ".redirect_uris: must be a list of absolute URIs");
      return uris;
    }
    for (JsonNode entry : node) {
      String value = entry.asText();
      String problem = RedirectUris.problem(value);
      if (!entry.isTextual()) {
        out.add(where + ".redirect_uris: '" + value + "' must be a string");
      } else if (problem != null) {
        out.add(where + ".redirect_uris: '" + value + "' " + problem);
      } else if (uris.contains(value)) {
        out.add(where + ".redirect_uris: '" + value + "' is listed twice");
      } else {
        uris.add(value);
      }
    }
    return uris;
  }

  private static @Nullable Duration duration(
      JsonNode node, String field, String where, List<String> out, boolean required) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      if (required) {
        out.add(where + "." + field + ": required (an ISO-8601 duration such as PT5M)");
      }
      return null;
    }
    try {
      Duration duration = Duration.parse(value.asText());
      if (duration.isNegative() || duration.isZero()) {
        out.add(where + "." + field + ": must be positive");
        return null;
      }
      return duration;
    } catch (DateTimeParseException e) {
      out.add(where + "." + field + ": '" + value.asText() + "' is not an ISO-8601 duration");
      return null;
    }
  }

  private static @Nullable String text(
      JsonNode node, String field, String where, List<String> out, boolean required) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull() || value.asText().isBlank()) {
      if (required) {
        out.add(where + ": required");
      }
      return null;
    }
    if (!value.isTextual()) {
      out.add(where + ": must be a string");
      return null;
    }
    return value.asText();
  }

  private static <E extends Enum<E>> @Nullable E enumValue(
      JsonNode node,
      String field,
      Class<E> type,
      String where,
      List<String> out,
      @Nullable E defaultValue) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      if (defaultValue == null) {
        out.add(where + ": required, one of " + names(type));
      }
      return defaultValue;
    }
    try {
      return Enum.valueOf(type, value.asText().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      out.add(where + ": '" + value.asText() + "' is not one of " + names(type));
      return null;
    }
  }

  private static <E extends Enum<E>> String names(Class<E> type) {
    List<String> names = new ArrayList<>();
    for (E constant : type.getEnumConstants()) {
      names.add(constant.name().toLowerCase(Locale.ROOT));
    }
    return String.join(", ", names);
  }

  private static void unknownKeys(
      JsonNode node, Set<String> known, String where, List<String> out) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!known.contains(name)) {
        // A misspelt key silently ignored could widen or narrow access unnoticed.
        out.add(where + name + ": unknown key");
      }
    }
  }

  /** The document's version as {@link Policy#version()} would report it. */
  static String versionOf(String document) {
    return version(document.getBytes(StandardCharsets.UTF_8));
  }
}
