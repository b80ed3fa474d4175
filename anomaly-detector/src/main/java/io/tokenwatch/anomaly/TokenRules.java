package io.tokenwatch.anomaly;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The per-token rules: SCOPE_ESCALATION (insufficient-scope denials), UNFAMILIAR_CLIENT (another
 * client or key), REPLAY_AFTER_REVOCATION, USE_AFTER_EXPIRY, TOKEN_SPREAD and MAX_USE_OVERSHOOT.
 * Each method updates the token's {@link TokenWatch} and returns the findings of the event.
 * Stateless itself and thread-safe.
 */
public final class TokenRules {

  /** Denials for one missing scope set that fire without probing: this many times the count. */
  static final int PERSISTENT_FACTOR = 3;

  /** Most distinct missing scope sets remembered per token. */
  static final int MAX_MISSING_SETS = 16;

  private final DetectionSettings settings;

  public TokenRules(DetectionSettings settings) {
    this.settings = requireNonNull(settings, "settings");
  }

  /** Records the token's issuance. */
  public void issued(TokenWatch watch, TokenGrant grant) {
    watch.subject = grant.subject();
    watch.clientId = grant.clientId();
    watch.grantId = grant.grantId();
    watch.binding = grant.bindingThumbprint();
    watch.scopes = new ArrayList<>(grant.scopes());
    watch.expiresAt = grant.expiresAt().toEpochMilli();
    watch.maxUses = grant.maxUses();
    watch.issueEventId = grant.eventId();
    watch.lastEventAt = Math.max(watch.lastEventAt, grant.at().toEpochMilli());
  }

  /** Records a revocation of exactly this token (the earliest one counts). */
  public void revoked(TokenWatch watch, String eventId, Instant at) {
    long millis = at.toEpochMilli();
    if (watch.revokedAt == 0 || millis < watch.revokedAt) {
      watch.revokedAt = millis;
      watch.revocationEventId = eventId;
    }
    watch.lastEventAt = Math.max(watch.lastEventAt, millis);
  }

  /** Evaluates a use of the token, with no learned shape of its client; returns what fired. */
  public List<Finding> used(TokenWatch watch, TokenUse use) {
    return used(watch, use, ClientShapes.NONE);
  }

  /**
   * Evaluates a use of the token; returns what fired.
   *
   * @param shapes how clients normally use their tokens (learned and updated here)
   */
  public List<Finding> used(TokenWatch watch, TokenUse use, ClientShapes shapes) {
    Instant now = use.at();
    watch.lastEventAt = Math.max(watch.lastEventAt, now.toEpochMilli());
    if (watch.subject == null) {
      watch.subject = use.subject();
    }
    if (watch.clientId == null) {
      watch.clientId = use.tokenClientId();
    }
    if (watch.grantId == null) {
      watch.grantId = use.grantId();
    }
    if (watch.expiresAt == 0 && use.expiresAt() != null) {
      watch.expiresAt = use.expiresAt().toEpochMilli();
    }
    List<Finding> findings = new ArrayList<>(2);
    scopeEscalation(watch, use, findings);
    unfamiliarClient(watch, use, findings);
    replay(watch, use, findings);
    expiry(watch, use, findings);
    spread(watch, use, shapes, findings);
    overshoot(watch, use, findings);
    return findings;
  }

  private void scopeEscalation(TokenWatch watch, TokenUse use, List<Finding> out) {
    if (!use.deniedFor(DenyReason.INSUFFICIENT_SCOPE)) {
      return;
    }
    int n = settings.insufficientScopeCount();
    int persistent = PERSISTENT_FACTOR * n;
    watch.insufficientScope.add(use.eventId(), use.at(), persistent);
    List<String> tokenScopes = use.tokenScopes().isEmpty() ? watch.scopes : use.tokenScopes();
    TreeSet<String> missing = new TreeSet<>(use.requiredScopes());
    missing.removeAll(tokenScopes);
    long from = use.at().toEpochMilli() - settings.scopeWindow().toMillis();
    watch.missingScopes.values().removeIf(last -> last < from);
    watch.missingScopes.merge(String.join(" ", missing), use.at().toEpochMilli(), Math::max);
    while (watch.missingScopes.size() > MAX_MISSING_SETS) {
      watch.missingScopes.remove(watch.missingScopes.keySet().iterator().next());
    }
    long denials = watch.insufficientScope.countWithin(settings.scopeWindow(), use.at());
    int distinct = watch.missingScopes.size();
    // Probing asks for several scopes it lacks; a misrouted call asks for the same one again and
    // again, with every token of its client, and only persistence makes that suspicious.
    if (denials < n || (distinct < 2 && denials < persistent)) {
      return;
    }
    Recent.Sample sample = watch.insufficientScope.within(settings.scopeWindow(), use.at());
    out.add(
        finding(
            Rule.SCOPE_ESCALATION,
            "token:" + use.tokenId(),
            watch,
            use,
            "Token "
                + use.tokenId()
                + " was used "
                + sample.count()
                + " times for calls needing scopes it does not carry ("
                + String.join(" ", missing)
                + ")",
            evidence(
                sample,
                Map.of(
                    "insufficient_scope_denials", Long.toString(sample.count()),
                    "token_scopes", String.join(" ", new TreeSet<>(tokenScopes)),
                    "missing_scopes", String.join(" ", missing),
                    "distinct_missing_scope_sets", Integer.toString(distinct)),
                Map.of(
                    "min_insufficient_scope_denials", Integer.toString(n),
                    "min_distinct_missing_scope_sets", "2",
                    "min_denials_for_one_scope_set", Integer.toString(persistent),
                    "window_ms", Long.toString(settings.scopeWindow().toMillis()))),
            Target.token(use.tokenId())));
  }

  private void unfamiliarClient(TokenWatch watch, TokenUse use, List<Finding> out) {
    String issuedTo = watch.clientId != null ? watch.clientId : use.tokenClientId();
    String presenter = use.presentedClientId();
    if (presenter != null && issuedTo != null && !presenter.equals(issuedTo)) {
      out.add(
          unfamiliar(
              watch,
              use,
              "client:" + presenter,
              "Token "
                  + use.tokenId()
                  + " issued to client "
                  + issuedTo
                  + " was presented by client "
                  + presenter,
              Map.of("issued_to_client", issuedTo, "presented_by_client", presenter)));
      return;
    }
    String key = use.bindingThumbprint();
    boolean mismatch =
        use.deniedFor(DenyReason.BINDING_MISMATCH)
            || (watch.binding != null && key != null && !watch.binding.equals(key));
    if (mismatch) {
      String presented = key == null ? "(none)" : key;
      out.add(
          unfamiliar(
              watch,
              use,
              "key:" + presented,
              "Token " + use.tokenId() + " bound to one key was presented with proof of another",
              Map.of(
                  "bound_key",
                  Objects.requireNonNullElse(watch.binding, "(unknown)"),
                  "presented_key",
                  presented)));
    }
  }

  private Finding unfamiliar(
      TokenWatch watch, TokenUse use, String what, String summary, Map<String, String> observed) {
    Map<String, String> values = new LinkedHashMap<>(observed);
    values.put("decision", use.allowed() ? "ALLOWED" : "DENIED");
    return finding(
        Rule.UNFAMILIAR_CLIENT,
        "token:" + use.tokenId() + "|" + what,
        watch,
        use,
        summary,
        new Evidence(List.of(use.eventId()), 1, use.at(), use.at(), values, Map.of()),
        Target.token(use.tokenId()));
  }

  private void replay(TokenWatch watch, TokenUse use, List<Finding> out) {
    boolean deniedRevoked = use.deniedFor(DenyReason.REVOKED);
    boolean acceptedAfterRevocation =
        use.allowed()
            && watch.revoked()
            && use.at().toEpochMilli() > watch.revokedAt + settings.replayGrace().toMillis();
    if (!deniedRevoked && !acceptedAfterRevocation) {
      return;
    }
    int n = settings.replayCount();
    watch.replays.add(use.eventId(), use.at(), n);
    if (watch.replays.countWithin(settings.suppression(), use.at()) < n) {
      return;
    }
    Recent.Sample sample = watch.replays.within(settings.suppression(), use.at());
    Map<String, String> observed = new LinkedHashMap<>();
    observed.put("uses_after_revocation", Long.toString(sample.count()));
    observed.put("decision", use.allowed() ? "ALLOWED" : "DENIED");
    if (watch.revoked()) {
      observed.put("revoked_at", Instant.ofEpochMilli(watch.revokedAt).toString());
      observed.put(
          "revocation_event_id", Objects.requireNonNullElse(watch.revocationEventId, "(unknown)"));
    }
    if (use.sourceAddress() != null) {
      observed.put("source_address", use.sourceAddress());
    }
    out.add(
        finding(
            Rule.REPLAY_AFTER_REVOCATION,
            "token:" + use.tokenId(),
            watch,
            use,
            "Revoked token "
                + use.tokenId()
                + " was presented again"
                + (use.allowed() ? " and accepted by " + use.validatorId() : ""),
            evidence(
                sample,
                observed,
                Map.of(
                    "min_uses_after_revocation", Integer.toString(n),
                    "grace_ms", Long.toString(settings.replayGrace().toMillis()))),
            Target.token(use.tokenId())));
  }

  private void expiry(TokenWatch watch, TokenUse use, List<Finding> out) {
    if (!use.deniedFor(DenyReason.EXPIRED)) {
      return;
    }
    int n = settings.expiredCount();
    watch.expired.add(use.eventId(), use.at(), n);
    if (watch.expired.countWithin(settings.expiredWindow(), use.at()) < n) {
      return;
    }
    Recent.Sample sample = watch.expired.within(settings.expiredWindow(), use.at());
    Map<String, String> observed = new LinkedHashMap<>();
    observed.put("expired_presentations", Long.toString(sample.count()));
    if (watch.expiresAt > 0) {
      observed.put("expired_at", Instant.ofEpochMilli(watch.expiresAt).toString());
    }
    out.add(
        finding(
            Rule.USE_AFTER_EXPIRY,
            "token:" + use.tokenId(),
            watch,
            use,
            "Expired token " + use.tokenId() + " was presented " + sample.count() + " times",
            evidence(
                sample,
                observed,
                Map.of(
                    "min_expired_presentations", Integer.toString(n),
                    "window_ms", Long.toString(settings.expiredWindow().toMillis()))),
            Target.token(use.tokenId())));
  }

  /**
   * TOKEN_SPREAD: one token used from more networks than its client's tokens normally are, or with
   * several binding keys. Sources are grouped into networks (replicas sharing a cached token inside
   * their network are one); a use with the key the token is bound to is its holder's, wherever it
   * comes from, and never counts as spread.
   */
  private void spread(TokenWatch watch, TokenUse use, ClientShapes shapes, List<Finding> out) {
    long now = use.at().toEpochMilli();
    long from = now - settings.spreadWindow().toMillis();
    String key = use.bindingThumbprint();
    boolean ownKey = watch.binding != null && watch.binding.equals(key);
    if (key != null
        && watch.binding == null
        && note(watch.bindings, key, use, from) >= settings.spreadDistinct()) {
      TreeSet<String> keys = new TreeSet<>();
      Sample sample = within(watch.bindings, from, now, use, keys::add);
      out.add(
          spreadFinding(
              watch,
              use,
              "Token " + use.tokenId() + " was presented with " + keys.size() + " binding keys",
              sample,
              Map.of(
                  "distinct_binding_keys",
                  Integer.toString(keys.size()),
                  "binding_keys",
                  join(keys)),
              Map.of("min_distinct", Integer.toString(settings.spreadDistinct())),
              List.of()));
      return;
    }
    String address = use.sourceAddress();
    if (address == null) {
      return;
    }
    note(watch.sources, address, use, from);
    TreeMap<String, TreeSet<String>> byNetwork = new TreeMap<>();
    Sample sample =
        within(
            watch.sources,
            from,
            now,
            use,
            source ->
                byNetwork
                    .computeIfAbsent(
                        Networks.of(source, settings.ipv4Prefix(), settings.ipv6Prefix()),
                        n -> new TreeSet<>())
                    .add(source));
    int networks = byNetwork.size();
    String client = firstNonNull(watch.clientId, use.tokenClientId());
    ClientShape shape = null;
    if (networks > 1 && client != null) {
      shape = shapes.get(client, now);
      if (shape == null) {
        shape = new ClientShape();
      }
    }
    int usual = shape == null ? 0 : shape.usualNetworks(now, settings);
    int threshold =
        Math.max(settings.spreadDistinct(), Math.min(usual + 1, settings.spreadMaxLearned()));
    boolean fires = !ownKey && networks >= threshold;
    // A token that fires is not the client's normal, except while the client is being learned.
    if (shape != null && client != null && (!fires || shape.learning(now, settings))) {
      shape.observe(now, networks, settings);
      shapes.put(client, shape);
    }
    if (!fires) {
      return;
    }
    TreeSet<String> sources = new TreeSet<>();
    byNetwork.values().forEach(sources::addAll);
    Map<String, String> observed = new LinkedHashMap<>();
    observed.put("distinct_networks", Integer.toString(networks));
    observed.put("networks", join(byNetwork.navigableKeySet()));
    observed.put("distinct_sources", Integer.toString(sources.size()));
    observed.put("sources", join(sources));
    observed.put(
        "client_usual_networks_per_token", usual == 0 ? "(learning)" : Integer.toString(usual));
    List<String> covers = new ArrayList<>();
    byNetwork.keySet().forEach(n -> covers.add("network:" + n));
    out.add(
        spreadFinding(
            watch,
            use,
            "Token "
                + use.tokenId()
                + " was used from "
                + networks
                + " networks within "
                + settings.spreadWindow().toMinutes()
                + " min; its client's tokens usually from "
                + (usual == 0 ? "(still learning)" : "at most " + usual),
            sample,
            observed,
            Map.of(
                "min_distinct_networks",
                Integer.toString(threshold),
                "configured_min_distinct",
                Integer.toString(settings.spreadDistinct()),
                "max_learned",
                Integer.toString(settings.spreadMaxLearned())),
            covers));
  }

  /** The event ids and time span of the sightings within the window, each value handed on. */
  private record Sample(List<String> ids, int count, long first) {}

  private static Sample within(
      Map<String, Sighting> seen,
      long from,
      long now,
      TokenUse use,
      java.util.function.Consumer<String> value) {
    List<String> ids = new ArrayList<>();
    long first = Long.MAX_VALUE;
    int count = 0;
    for (Map.Entry<String, Sighting> e : seen.entrySet()) {
      Sighting s = e.getValue();
      if (s.lastAt >= from && s.lastAt <= now) {
        value.accept(e.getKey());
        count++;
        if (ids.size() < Evidence.MAX_EVENT_IDS) {
          ids.add(s.lastEventId);
        }
        first = Math.min(first, s.lastAt);
      }
    }
    if (!ids.contains(use.eventId())) {
      if (ids.size() == Evidence.MAX_EVENT_IDS) {
        ids.set(ids.size() - 1, use.eventId());
      } else {
        ids.add(use.eventId());
      }
    }
    return new Sample(ids, Math.max(count, ids.size()), Math.min(first, now));
  }

  private Finding spreadFinding(
      TokenWatch watch,
      TokenUse use,
      String summary,
      Sample sample,
      Map<String, String> observed,
      Map<String, String> thresholds,
      List<String> extraCovers) {
    Map<String, String> allThresholds = new LinkedHashMap<>(thresholds);
    allThresholds.put("window_ms", Long.toString(settings.spreadWindow().toMillis()));
    Finding plain =
        finding(
            Rule.TOKEN_SPREAD,
            "token:" + use.tokenId(),
            watch,
            use,
            summary,
            new Evidence(
                sample.ids(),
                sample.count(),
                Instant.ofEpochMilli(sample.first()),
                use.at(),
                observed,
                allThresholds),
            Target.token(use.tokenId()));
    List<String> covers = new ArrayList<>(plain.covers());
    covers.addAll(extraCovers);
    return new Finding(
        plain.rule(),
        plain.incidentKey(),
        plain.subject(),
        plain.clientId(),
        plain.tokenId(),
        plain.grantId(),
        plain.summary(),
        plain.evidence(),
        plain.response(),
        covers);
  }

  /** Notes a sighting, forgets the ones outside the window, returns how many are within it. */
  private static int note(Map<String, Sighting> seen, String value, TokenUse use, long from) {
    long at = use.at().toEpochMilli();
    Sighting s = seen.get(value);
    if (s == null) {
      seen.put(value, Sighting.of(use.eventId(), at));
    } else {
      s.seen(use.eventId(), at);
    }
    int within = 0;
    for (Iterator<Sighting> it = seen.values().iterator(); it.hasNext(); ) {
      Sighting next = it.next();
      if (next.lastAt < from) {
        it.remove();
      } else if (next.lastAt <= at) {
        within++;
      }
    }
    return within;
  }

  private void overshoot(TokenWatch watch, TokenUse use, List<Finding> out) {
    if (!use.allowed()) {
      return;
    }
    watch.allowedUses++;
    watch.allowedByValidator.merge(use.validatorId(), 1L, Long::sum);
    Integer max = watch.maxUses != null ? watch.maxUses : use.maxUses();
    if (max == null || watch.allowedUses <= max) {
      return;
    }
    long beyond = watch.allowedUses - max;
    watch.overshoot.add(use.eventId(), use.at(), Evidence.MAX_EVENT_IDS);
    if (beyond < settings.overshootMin()) {
      return;
    }
    Recent.Sample sample = watch.overshoot.within(Duration.ofMillis(Long.MAX_VALUE / 4), use.at());
    Map<String, String> observed = new LinkedHashMap<>();
    observed.put("accepted_uses", Long.toString(watch.allowedUses));
    observed.put("max_uses", Integer.toString(max));
    observed.put("overshoot", Long.toString(beyond));
    watch.allowedByValidator.forEach(
        (validator, count) -> observed.put("accepted_by." + validator, Long.toString(count)));
    out.add(
        finding(
            Rule.MAX_USE_OVERSHOOT,
            "token:" + use.tokenId(),
            watch,
            use,
            "Token "
                + use.tokenId()
                + " was accepted "
                + watch.allowedUses
                + " times, "
                + beyond
                + " beyond its max_uses of "
                + max,
            new Evidence(
                sample.eventIds(),
                beyond,
                sample.first(),
                use.at(),
                observed,
                Map.of("min_overshoot", Integer.toString(settings.overshootMin()))),
            Target.token(use.tokenId())));
  }

  private static Evidence evidence(
      Recent.Sample sample, Map<String, String> observed, Map<String, String> thresholds) {
    return new Evidence(
        sample.eventIds(), sample.count(), sample.first(), sample.last(), observed, thresholds);
  }

  private static Finding finding(
      Rule rule,
      String incidentKey,
      TokenWatch watch,
      TokenUse use,
      String summary,
      Evidence evidence,
      Target response) {
    return new Finding(
        rule,
        incidentKey,
        firstNonNull(watch.subject, use.subject()),
        firstNonNull(watch.clientId, use.tokenClientId()),
        use.tokenId(),
        firstNonNull(watch.grantId, use.grantId()),
        summary,
        evidence,
        response);
  }

  private static @Nullable String firstNonNull(@Nullable String a, @Nullable String b) {
    return a != null ? a : b;
  }

  private static String join(SortedSet<String> values) {
    return String.join(",", values);
  }
}
