package io.tokenwatch.issuer.policy.history;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.issuer.policy.AudienceRule;
import io.tokenwatch.issuer.policy.ClientPolicy;
import io.tokenwatch.issuer.policy.Policy;
import io.tokenwatch.issuer.policy.RiskLevel;
import io.tokenwatch.issuer.policy.ScopeDefinition;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * What changed between two policies, in lines a person reads at a glance, for example {@code +
 * client reporting-agent: scope orders:export for https://orders.example.com (high)}.
 *
 * <p>Presence is compared everywhere: clients, each client's audiences and each (client, audience,
 * scope) grant, the scope catalogue and the admins. So a new client shows every grant it gets.
 * Settings (a client's kind, credentials and delegation flag; a rule's lifetimes, use limit,
 * binding and refresh) are compared where their owner exists on both sides. Immutable.
 *
 * @param lines the differences, policy-wide ones first, then scopes, then clients
 */
public record PolicyDiff(List<Line> lines) {

  public PolicyDiff {
    lines = List.copyOf(requireNonNull(lines, "lines"));
  }

  /** Whether a line adds, removes or changes something. */
  public enum Sign {
    ADDED("+"),
    REMOVED("-"),
    CHANGED("~");

    private final String symbol;

    Sign(String symbol) {
      this.symbol = symbol;
    }

    /** {@code +}, {@code -} or {@code ~}. */
    public String symbol() {
      return symbol;
    }
  }

  /**
   * One difference.
   *
   * @param sign added, removed or changed
   * @param subject what it is about, e.g. {@code client a: max_ttl for https://api}
   * @param before for a change, the old value
   * @param after for a change, the new value
   * @param note what a reader should know besides, e.g. the scope's risk {@code " (high)"}
   */
  public record Line(
      Sign sign, String subject, @Nullable String before, @Nullable String after, String note) {
    public Line {
      requireNonNull(sign, "sign");
      requireNonNull(subject, "subject");
      requireNonNull(note, "note");
      if ((sign == Sign.CHANGED) != (before != null && after != null)) {
        throw new IllegalArgumentException("before and after are set exactly for a change");
      }
    }

    /** The line as a person reads it. */
    public String text() {
      return sign == Sign.CHANGED
          ? sign.symbol() + " " + subject + ": " + before + " -> " + after + note
          : sign.symbol() + " " + subject + note;
    }
  }

  /**
   * A scope a client gets for an audience.
   *
   * @param risk the scope's risk
   */
  public record Grant(String clientId, String audience, String scope, RiskLevel risk) {
    public Grant {
      requireNonNull(clientId, "clientId");
      requireNonNull(audience, "audience");
      requireNonNull(scope, "scope");
      requireNonNull(risk, "risk");
    }
  }

  /** The differences from {@code before} to {@code after}. */
  public static PolicyDiff between(Policy before, Policy after) {
    requireNonNull(before, "before");
    requireNonNull(after, "after");
    List<Line> lines = new ArrayList<>();
    change(lines, "policy_id", before.id(), after.id());
    change(lines, "admin_scope", before.adminScope(), after.adminScope());
    presence(lines, before.admins(), after.admins(), admin -> "admin " + admin, admin -> "");
    scopes(lines, before.scopes(), after.scopes());
    for (String clientId : union(before.clients().keySet(), after.clients().keySet())) {
      client(lines, before, after, clientId);
    }
    return new PolicyDiff(lines);
  }

  /**
   * Every grant {@code after} gives that {@code before} does not, riskiest first. A scope whose
   * risk the same edit lowers is judged by its old risk: lowering a scope's risk and granting it in
   * one edit must not slip past an approval.
   */
  public static List<Grant> addedGrants(Policy before, Policy after) {
    requireNonNull(before, "before");
    requireNonNull(after, "after");
    List<Grant> added = new ArrayList<>();
    for (ClientPolicy client : after.clients().values()) {
      for (AudienceRule rule : client.audiences().values()) {
        for (String scope : rule.scopes()) {
          boolean had =
              before
                  .client(client.clientId())
                  .flatMap(old -> old.rule(rule.audience()))
                  .map(old -> old.scopes().contains(scope))
                  .orElse(false);
          if (!had) {
            added.add(
                new Grant(client.clientId(), rule.audience(), scope, risk(before, after, scope)));
          }
        }
      }
    }
    added.sort(
        Comparator.comparing(Grant::risk)
            .reversed()
            .thenComparing(Grant::clientId)
            .thenComparing(Grant::audience)
            .thenComparing(Grant::scope));
    return List.copyOf(added);
  }

  private static RiskLevel risk(Policy before, Policy after, String scope) {
    ScopeDefinition was = before.scopes().get(scope);
    ScopeDefinition is = after.scopes().get(scope);
    if (is == null) {
      return RiskLevel.CRITICAL; // a parsed policy never grants a scope outside its catalogue
    }
    return was != null && was.risk().compareTo(is.risk()) > 0 ? was.risk() : is.risk();
  }

  /** Whether nothing changed. */
  public boolean isEmpty() {
    return lines.isEmpty();
  }

  /** Every line, one per row; empty when nothing changed. */
  public String render() {
    return lines.stream().map(Line::text).collect(Collectors.joining("\n"));
  }

  private static void scopes(
      List<Line> lines, Map<String, ScopeDefinition> before, Map<String, ScopeDefinition> after) {
    for (String name : union(before.keySet(), after.keySet())) {
      ScopeDefinition old = before.get(name);
      ScopeDefinition now = after.get(name);
      if (old == null && now != null) {
        lines.add(
            new Line(
                Sign.ADDED, "scope " + name, null, null, note(now) + ": " + now.description()));
      } else if (old != null && now == null) {
        lines.add(new Line(Sign.REMOVED, "scope " + name, null, null, note(old)));
      } else if (old != null && now != null) {
        change(lines, "scope " + name + ": risk", lower(old.risk()), lower(now.risk()));
        change(lines, "scope " + name + ": description", old.description(), now.description());
      }
    }
  }

  private static void client(List<Line> lines, Policy before, Policy after, String clientId) {
    ClientPolicy old = before.clients().get(clientId);
    ClientPolicy now = after.clients().get(clientId);
    String subject = "client " + clientId;
    if (old == null && now != null) {
      lines.add(new Line(Sign.ADDED, subject, null, null, " (" + lower(now.kind()) + ")"));
    } else if (old != null && now == null) {
      lines.add(new Line(Sign.REMOVED, subject, null, null, ""));
    } else if (old != null && now != null) {
      change(lines, subject + ": kind", lower(old.kind()), lower(now.kind()));
      change(
          lines, subject + ": secret_sha256", orNone(old.secretHash()), orNone(now.secretHash()));
      change(
          lines,
          subject + ": mtls_thumbprint",
          orNone(old.mtlsThumbprint()),
          orNone(now.mtlsThumbprint()));
      change(
          lines,
          subject + ": may_act_for_others",
          String.valueOf(old.mayActForOthers()),
          String.valueOf(now.mayActForOthers()));
    }
    Map<String, AudienceRule> oldRules = old == null ? Map.of() : old.audiences();
    Map<String, AudienceRule> newRules = now == null ? Map.of() : now.audiences();
    for (String audience : union(oldRules.keySet(), newRules.keySet())) {
      AudienceRule was = oldRules.get(audience);
      AudienceRule is = newRules.get(audience);
      if (was == null && is != null) {
        lines.add(new Line(Sign.ADDED, subject + ": audience " + audience, null, null, ""));
      } else if (was != null && is == null) {
        lines.add(new Line(Sign.REMOVED, subject + ": audience " + audience, null, null, ""));
      } else if (was != null && is != null) {
        String suffix = " for " + audience;
        change(
            lines, subject + ": default_ttl" + suffix, str(was.defaultTtl()), str(is.defaultTtl()));
        change(lines, subject + ": max_ttl" + suffix, str(was.maxTtl()), str(is.maxTtl()));
        change(lines, subject + ": max_uses" + suffix, str(was.maxUses()), str(is.maxUses()));
        change(lines, subject + ": binding" + suffix, lower(was.binding()), lower(is.binding()));
        change(
            lines, subject + ": refresh_ttl" + suffix, str(was.refreshTtl()), str(is.refreshTtl()));
      }
      Set<String> oldScopes = was == null ? Set.of() : was.scopes();
      Set<String> newScopes = is == null ? Set.of() : is.scopes();
      for (String scope : union(oldScopes, newScopes)) {
        String line = subject + ": scope " + scope + " for " + audience;
        if (!oldScopes.contains(scope)) {
          lines.add(new Line(Sign.ADDED, line, null, null, riskNote(after, scope)));
        } else if (!newScopes.contains(scope)) {
          lines.add(new Line(Sign.REMOVED, line, null, null, riskNote(before, scope)));
        }
      }
    }
  }

  private static <T> void presence(
      List<Line> lines,
      Set<T> before,
      Set<T> after,
      Function<T, String> subject,
      Function<T, String> note) {
    for (T item : union(before, after)) {
      if (!before.contains(item)) {
        lines.add(new Line(Sign.ADDED, subject.apply(item), null, null, note.apply(item)));
      } else if (!after.contains(item)) {
        lines.add(new Line(Sign.REMOVED, subject.apply(item), null, null, note.apply(item)));
      }
    }
  }

  private static void change(List<Line> lines, String subject, String before, String after) {
    if (!Objects.equals(before, after)) {
      lines.add(new Line(Sign.CHANGED, subject, before, after, ""));
    }
  }

  private static <T> TreeSet<T> union(Set<T> a, Set<T> b) {
    TreeSet<T> all = new TreeSet<>(a);
    all.addAll(b);
    return all;
  }

  private static String riskNote(Policy policy, String scope) {
    ScopeDefinition definition = policy.scopes().get(scope);
    return definition == null ? "" : note(definition);
  }

  private static String note(ScopeDefinition definition) {
    return " (" + lower(definition.risk()) + ")";
  }

  private static String lower(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }

  private static String orNone(@Nullable String value) {
    return value == null ? "none" : value;
  }

  private static String str(@Nullable Object value) {
    return value == null ? "none" : value.toString();
  }
}
