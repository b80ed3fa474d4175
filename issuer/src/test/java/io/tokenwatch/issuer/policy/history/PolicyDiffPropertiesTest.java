package io.tokenwatch.issuer.policy.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.issuer.policy.AudienceRule;
import io.tokenwatch.issuer.policy.Binding;
import io.tokenwatch.issuer.policy.ClientKind;
import io.tokenwatch.issuer.policy.ClientPolicy;
import io.tokenwatch.issuer.policy.Policy;
import io.tokenwatch.issuer.policy.RiskLevel;
import io.tokenwatch.issuer.policy.ScopeDefinition;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.jspecify.annotations.Nullable;

/**
 * The diff against a plain model: each policy flattened into facts (a name and a value, settings
 * hanging off the fact that owns them), compared as two maps.
 */
class PolicyDiffPropertiesTest {

  private static final List<String> SCOPES = List.of("a:read", "a:write", "b:export", "c:admin");
  private static final List<String> CLIENTS = List.of("alpha", "beta", "gamma");
  private static final List<String> AUDIENCES = List.of("https://p.example", "https://q.example");

  private record Fact(String value, @Nullable String owner) {}

  private record Row(
      PolicyDiff.Sign sign, String subject, @Nullable String before, @Nullable String after) {}

  @Property(tries = 300)
  void shouldListExactlyTheDifferencesThePlainModelFinds(
      @ForAll("policies") Policy before, @ForAll("policies") Policy after) {
    List<PolicyDiff.Line> lines = PolicyDiff.between(before, after).lines();

    Set<Row> actual = new HashSet<>();
    for (PolicyDiff.Line line : lines) {
      actual.add(new Row(line.sign(), line.subject(), line.before(), line.after()));
    }
    assertThat(actual).hasSize(lines.size()).isEqualTo(model(before, after));
  }

  @Property(tries = 100)
  void shouldFindNoDifferenceBetweenAPolicyAndItself(@ForAll("policies") Policy policy) {
    assertThat(PolicyDiff.between(policy, policy).isEmpty()).isTrue();
    assertThat(PolicyDiff.addedGrants(policy, policy)).isEmpty();
  }

  @Property(tries = 300)
  void shouldReportAsAddedGrantsExactlyTheScopeLinesItAdds(
      @ForAll("policies") Policy before, @ForAll("policies") Policy after) {
    Set<String> added = new HashSet<>();
    for (PolicyDiff.Grant grant : PolicyDiff.addedGrants(before, after)) {
      added.add(
          "client " + grant.clientId() + ": scope " + grant.scope() + " for " + grant.audience());
    }
    Set<String> expected = new HashSet<>();
    for (Row row : model(before, after)) {
      if (row.sign() == PolicyDiff.Sign.ADDED && row.subject().contains(": scope ")) {
        expected.add(row.subject());
      }
    }
    assertThat(added).isEqualTo(expected);
  }

  private static Set<Row> model(Policy before, Policy after) {
    Map<String, Fact> was = facts(before);
    Map<String, Fact> is = facts(after);
    Set<String> names = new HashSet<>(was.keySet());
    names.addAll(is.keySet());
    Set<Row> rows = new HashSet<>();
    for (String name : names) {
      Fact old = was.get(name);
      Fact now = is.get(name);
      String owner = old != null ? old.owner() : now.owner();
      if (owner != null && !(was.containsKey(owner) && is.containsKey(owner))) {
        continue; // a setting is compared only where its owner is on both sides
      }
      if (old == null) {
        rows.add(new Row(PolicyDiff.Sign.ADDED, name, null, null));
      } else if (now == null) {
        rows.add(new Row(PolicyDiff.Sign.REMOVED, name, null, null));
      } else if (!old.value().equals(now.value())) {
        rows.add(new Row(PolicyDiff.Sign.CHANGED, name, old.value(), now.value()));
      }
    }
    return rows;
  }

  private static Map<String, Fact> facts(Policy policy) {
    Map<String, Fact> facts = new LinkedHashMap<>();
    facts.put("policy_id", new Fact(policy.id(), null));
    facts.put("admin_scope", new Fact(policy.adminScope(), null));
    policy.admins().forEach(admin -> facts.put("admin " + admin, new Fact("", null)));
    policy
        .scopes()
        .values()
        .forEach(
            scope -> {
              String name = "scope " + scope.name();
              facts.put(name, new Fact("", null));
              facts.put(
                  name + ": risk", new Fact(scope.risk().name().toLowerCase(Locale.ROOT), name));
              facts.put(name + ": description", new Fact(scope.description(), name));
            });
    for (ClientPolicy client : policy.clients().values()) {
      String name = "client " + client.clientId();
      facts.put(name, new Fact("", null));
      facts.put(name + ": kind", new Fact(client.kind().name().toLowerCase(Locale.ROOT), name));
      facts.put(
          name + ": secret_sha256",
          new Fact(String.valueOf(client.secretHash()).replace("null", "none"), name));
      facts.put(
          name + ": mtls_thumbprint",
          new Fact(String.valueOf(client.mtlsThumbprint()).replace("null", "none"), name));
      facts.put(
          name + ": may_act_for_others", new Fact(String.valueOf(client.mayActForOthers()), name));
      for (AudienceRule rule : client.audiences().values()) {
        String audience = name + ": audience " + rule.audience();
        String suffix = " for " + rule.audience();
        facts.put(audience, new Fact("", null));
        facts.put(
            name + ": default_ttl" + suffix, new Fact(rule.defaultTtl().toString(), audience));
        facts.put(name + ": max_ttl" + suffix, new Fact(rule.maxTtl().toString(), audience));
        facts.put(
            name + ": max_uses" + suffix,
            new Fact(rule.maxUses() == null ? "none" : rule.maxUses().toString(), audience));
        facts.put(
            name + ": binding" + suffix,
            new Fact(rule.binding().name().toLowerCase(Locale.ROOT), audience));
        facts.put(
            name + ": refresh_ttl" + suffix,
            new Fact(rule.refreshTtl() == null ? "none" : rule.refreshTtl().toString(), audience));
        for (String scope : rule.scopes()) {
          facts.put(name + ": scope " + scope + suffix, new Fact("", null));
        }
      }
    }
    return facts;
  }

  @Provide
  Arbitrary<Policy> policies() {
    Arbitrary<Map<String, ScopeDefinition>> catalogue =
        Arbitraries.subsetOf(SCOPES)
            .flatMap(
                names ->
                    Combinators.combine(
                            Arbitraries.of(RiskLevel.class).list().ofSize(names.size()),
                            Arbitraries.of("Reads.", "Writes.").list().ofSize(names.size()))
                        .as(
                            (risks, descriptions) -> {
                              Map<String, ScopeDefinition> scopes = new LinkedHashMap<>();
                              int i = 0;
                              for (String name : names) {
                                scopes.put(
                                    name,
                                    new ScopeDefinition(name, descriptions.get(i), risks.get(i)));
                                i++;
                              }
                              return scopes;
                            }));
    Arbitrary<AudienceRule> rule =
        Combinators.combine(
                Arbitraries.subsetOf(SCOPES),
                Arbitraries.of(Duration.ofMinutes(1), Duration.ofMinutes(5)),
                Arbitraries.of(Duration.ofMinutes(5), Duration.ofMinutes(10)),
                Arbitraries.of(1, 5).injectNull(0.4),
                Arbitraries.of(Binding.class),
                Arbitraries.of(Duration.ofHours(1)).injectNull(0.5))
            .as(
                (scopes, ttl, max, uses, binding, refresh) ->
                    new AudienceRule(
                        "rule", "placeholder", scopes, ttl, max, uses, binding, refresh));
    Arbitrary<ClientPolicy> client =
        Combinators.combine(
                Arbitraries.of(ClientKind.class),
                Arbitraries.of("s1", "s2").injectNull(0.3),
                Arbitraries.of("t1").injectNull(0.6),
                Arbitraries.subsetOf(AUDIENCES)
                    .flatMap(
                        auds -> rule.list().ofSize(auds.size()).map(rules -> rules(auds, rules))),
                Arbitraries.of(true, false))
            .as(
                (kind, secret, thumb, rules, act) ->
                    new ClientPolicy("placeholder", kind, secret, thumb, rules, act));
    Arbitrary<Map<String, ClientPolicy>> clients =
        Arbitraries.subsetOf(CLIENTS)
            .flatMap(
                ids ->
                    client
                        .list()
                        .ofSize(ids.size())
                        .map(
                            list -> {
                              Map<String, ClientPolicy> byId = new LinkedHashMap<>();
                              int i = 0;
                              for (String id : ids) {
                                ClientPolicy c = list.get(i++);
                                Map<String, AudienceRule> renamed = new LinkedHashMap<>();
                                c.audiences().values().forEach(r -> renamed.put(r.audience(), r));
                                byId.put(
                                    id,
                                    new ClientPolicy(
                                        id,
                                        c.kind(),
                                        c.secretHash(),
                                        c.mtlsThumbprint(),
                                        renamed,
                                        c.mayActForOthers()));
                              }
                              return byId;
                            }));
    return Combinators.combine(
            Arbitraries.of("p1", "p2"),
            catalogue,
            clients,
            Arbitraries.subsetOf(CLIENTS),
            Arbitraries.of("admin", "root"))
        .as(
            (id, scopes, byId, admins, adminScope) ->
                new Policy(id, "v", byId, scopes, admins, adminScope));
  }

  private static Map<String, AudienceRule> rules(Set<String> audiences, List<AudienceRule> rules) {
    Map<String, AudienceRule> byAudience = new LinkedHashMap<>();
    int i = 0;
    for (String audience : audiences) {
      AudienceRule r = rules.get(i++);
      byAudience.put(
          audience,
          new AudienceRule(
              "rule",
              audience,
              r.scopes(),
              r.defaultTtl(),
              r.maxTtl(),
              r.maxUses(),
              r.binding(),
              r.refreshTtl()));
    }
    return byAudience;
  }
}
