package io.tokenwatch.audit;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The least-privilege health check: compares, per principal, the scopes granted with the scopes
 * exercised by allowed uses over a window. Stateless.
 */
public final class LeastPrivilege {

  private LeastPrivilege() {}

  /**
   * Who held a grant: a client, and for delegated (token-exchange) tokens also the subject on whose
   * behalf it acted.
   */
  public record Principal(String clientId, @Nullable String subject)
      implements Comparable<Principal> {
    private static final Comparator<Principal> ORDER =
        Comparator.comparing(Principal::clientId)
            .thenComparing(p -> p.subject() == null ? "" : p.subject());

    public Principal {
      requireNonNull(clientId, "clientId");
    }

    @Override
    public int compareTo(Principal other) {
      return ORDER.compare(this, other);
    }

    @Override
    public String toString() {
      return subject == null ? clientId : clientId + " for " + subject;
    }
  }

  /** How many tokens granted (or allowed uses exercised) one scope for one principal. */
  public record ScopeCount(Principal principal, String scope, long count) {
    public ScopeCount {
      requireNonNull(principal, "principal");
      requireNonNull(scope, "scope");
    }
  }

  /**
   * A principal granted more than it used.
   *
   * @param principal who
   * @param granted scopes granted over the window
   * @param exercised scopes exercised by allowed uses
   * @param unused granted but never exercised: what the grant can be narrowed by
   * @param tokens tokens granted
   * @param uses allowed uses
   */
  public record Narrowable(
      Principal principal,
      List<String> granted,
      List<String> exercised,
      List<String> unused,
      long tokens,
      long uses) {}

  /**
   * A scope granted to someone but exercised by nobody.
   *
   * @param scope the scope
   * @param grantedTokens how many tokens carried it
   * @param principals how many principals were granted it
   */
  public record UnusedScope(String scope, long grantedTokens, int principals) {}

  /**
   * The report.
   *
   * @param principals principals with grants in the window
   * @param narrowable principals with granted scopes they never exercised (includes idle ones)
   * @param idle principals that were granted tokens and never made one allowed use
   * @param unusedScopes scopes nobody exercised
   */
  public record Report(
      int principals,
      List<Narrowable> narrowable,
      List<Narrowable> idle,
      List<UnusedScope> unusedScopes) {}

  /** Computes the report from per-scope grant and use counts. */
  public static Report compute(
      List<ScopeCount> granted, List<ScopeCount> exercised, Map<Principal, Long> tokens) {
    requireNonNull(granted, "granted");
    requireNonNull(exercised, "exercised");
    requireNonNull(tokens, "tokens");
    Map<Principal, Set<String>> grantedBy = new TreeMap<>();
    Map<Principal, Set<String>> usedBy = new TreeMap<>();
    Map<Principal, Long> usesBy = new TreeMap<>();
    Map<String, long[]> scopeTokens = new TreeMap<>();
    Map<String, Set<Principal>> scopePrincipals = new TreeMap<>();
    Set<String> usedAnywhere = new TreeSet<>();
    for (ScopeCount g : granted) {
      grantedBy.computeIfAbsent(g.principal(), k -> new TreeSet<>()).add(g.scope());
      scopeTokens.computeIfAbsent(g.scope(), k -> new long[1])[0] += g.count();
      scopePrincipals.computeIfAbsent(g.scope(), k -> new TreeSet<>()).add(g.principal());
    }
    for (ScopeCount e : exercised) {
      usedBy.computeIfAbsent(e.principal(), k -> new TreeSet<>()).add(e.scope());
      usesBy.merge(e.principal(), e.count(), Long::sum);
      usedAnywhere.add(e.scope());
    }
    List<Narrowable> narrowable = new ArrayList<>();
    List<Narrowable> idle = new ArrayList<>();
    grantedBy.forEach(
        (principal, scopes) -> {
          Set<String> used = usedBy.getOrDefault(principal, Set.of());
          Set<String> unused = new TreeSet<>(scopes);
          unused.removeAll(used);
          Set<String> exercisedGranted = new TreeSet<>(used);
          Narrowable row =
              new Narrowable(
                  principal,
                  List.copyOf(scopes),
                  List.copyOf(exercisedGranted),
                  List.copyOf(unused),
                  tokens.getOrDefault(principal, 0L),
                  usesBy.getOrDefault(principal, 0L));
          if (!unused.isEmpty()) {
            narrowable.add(row);
          }
          if (usesBy.getOrDefault(principal, 0L) == 0L) {
            idle.add(row);
          }
        });
    List<UnusedScope> unusedScopes = new ArrayList<>();
    scopeTokens.forEach(
        (scope, count) -> {
          if (!usedAnywhere.contains(scope)) {
            unusedScopes.add(
                new UnusedScope(
                    scope, count[0], scopePrincipals.getOrDefault(scope, Set.of()).size()));
          }
        });
    return new Report(grantedBy.size(), narrowable, idle, unusedScopes);
  }
}
