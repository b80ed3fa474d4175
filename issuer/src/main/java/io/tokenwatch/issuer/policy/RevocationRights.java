package io.tokenwatch.issuer.policy;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.people.Role;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Who may revoke what: per selector kind, the roles that may ask for a revocation of that kind and
 * whether a second person (another holder of one of those roles) must approve it before it is
 * requested. The policy's {@code revocation_rights} section; {@link #DEFAULTS} when it has none.
 * Applies to people (a login, HTTP Basic or a person assertion); admin clients and admin tokens
 * revoke any kind at once, as before. Immutable.
 *
 * @param byKind the rule of every kind a revocation can name (every {@link SelectorKind} except
 *     {@code UNKNOWN})
 */
public record RevocationRights(Map<SelectorKind, Rule> byKind) {

  /**
   * One kind's rule.
   *
   * @param roles who may ask for it (empty: no person may)
   * @param secondPerson whether another person holding one of {@code roles} must approve it
   */
  public record Rule(Set<Role> roles, boolean secondPerson) {
    public Rule {
      roles = roles.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(roles));
    }
  }

  /** What a person asking for a revocation of some kind may do. */
  public enum Verdict {
    /** The revocation is requested at once. */
    REVOKE,
    /** It waits for a second person's approval. */
    NEEDS_SECOND_PERSON,
    /** None of the person's roles may ask for it. */
    FORBIDDEN
  }

  /**
   * Without a {@code revocation_rights} section: responders and admins revoke a token, a lineage or
   * a grant at once; a subject, a client or an audience (every token of it, so possibly many
   * people's) needs a second responder or admin.
   */
  public static final RevocationRights DEFAULTS = defaults();

  public RevocationRights {
    requireNonNull(byKind, "byKind");
    for (SelectorKind kind : kinds()) {
      if (!byKind.containsKey(kind)) {
        throw new IllegalArgumentException("no rule for kind " + name(kind));
      }
    }
    if (byKind.containsKey(SelectorKind.UNKNOWN)) {
      throw new IllegalArgumentException("UNKNOWN is not a kind to give rights for");
    }
    byKind = Map.copyOf(byKind);
  }

  private static RevocationRights defaults() {
    Set<Role> responders = EnumSet.of(Role.RESPONDER, Role.ADMIN);
    Map<SelectorKind, Rule> rules = new EnumMap<>(SelectorKind.class);
    for (SelectorKind kind : kinds()) {
      boolean broad =
          kind == SelectorKind.SUBJECT
              || kind == SelectorKind.CLIENT
              || kind == SelectorKind.AUDIENCE;
      rules.put(kind, new Rule(responders, broad));
    }
    return new RevocationRights(rules);
  }

  /** The kinds a rule is needed for: every selector kind but {@code UNKNOWN}. */
  public static Set<SelectorKind> kinds() {
    Set<SelectorKind> kinds = EnumSet.allOf(SelectorKind.class);
    kinds.remove(SelectorKind.UNKNOWN);
    return kinds;
  }

  /** The kind's name as the policy and the API spell it: {@code subject}. */
  public static String name(SelectorKind kind) {
    return kind.name().toLowerCase(Locale.ROOT);
  }

  /** The rule of {@code kind}; {@code UNKNOWN} has one that no role satisfies. */
  public Rule rule(SelectorKind kind) {
    requireNonNull(kind, "kind");
    Rule rule = byKind.get(kind);
    return rule == null ? new Rule(Set.of(), false) : rule;
  }

  /**
   * Whether someone holding {@code roles} may ask for, or approve, a revocation of {@code kind}.
   */
  public boolean mayRequest(SelectorKind kind, Set<Role> roles) {
    requireNonNull(roles, "roles");
    return rule(kind).roles().stream().anyMatch(roles::contains);
  }

  /** What a person holding {@code roles} asking for a revocation of {@code kind} gets. */
  public Verdict verdict(SelectorKind kind, Set<Role> roles) {
    if (!mayRequest(kind, roles)) {
      return Verdict.FORBIDDEN;
    }
    return rule(kind).secondPerson() ? Verdict.NEEDS_SECOND_PERSON : Verdict.REVOKE;
  }
}
