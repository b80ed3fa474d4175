package io.tokenwatch.anomaly;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The per-client rules: USAGE_SPIKE, SCOPE_ESCALATION from refused issuances and from a granted
 * scope set broader than the client's baseline, and UNFAMILIAR_CLIENT for a source network never
 * seen for the client and subject. Stateless itself and thread-safe.
 */
public final class ClientRules {

  /** Refusals for scopes beyond policy. */
  private static final Set<String> SCOPE_REFUSALS =
      Set.of("SCOPE_NOT_APPROVED", "DELEGATION_WIDENS_SCOPE");

  /** Grants derived from a parent, whose asking for more than the parent fires at once. */
  private static final Set<String> DERIVED_GRANTS = Set.of("REFRESH_TOKEN", "TOKEN_EXCHANGE");

  private final DetectionSettings settings;

  public ClientRules(DetectionSettings settings) {
    this.settings = requireNonNull(settings, "settings");
  }

  /**
   * Counts a tally of uses of the client's tokens towards its rate; USAGE_SPIKE.
   *
   * <p>The caller hands the tallies of a client over in event-time order, from every partition of
   * the use topic, only once the slowest partition has passed them: so when a tally of a bucket
   * arrives, every tally of the buckets before it is counted, and the bucket's baseline (the mean
   * of the {@code min-history-buckets} buckets before it) is complete. The bucket's count grows
   * with each of its tallies, and the rule fires on the first that takes it over the limit.
   *
   * @param tally uses of one bucket counted on one partition since that partition's previous tally
   */
  public List<Finding> used(ClientWatch watch, String clientId, UseTally tally) {
    watch.migrate();
    long at = tally.lastAt();
    watch.lastEventAt = Math.max(watch.lastEventAt, at);
    long bucketMs = settings.spikeBucket().toMillis();
    long bucket = tally.bucket();
    int history = settings.spikeMinHistory();
    if (watch.firstBucket == Long.MIN_VALUE || bucket < watch.firstBucket) {
      watch.firstBucket = bucket;
    }
    watch.counts.merge(bucket, (long) tally.count(), Long::sum);
    // Tallies come in event-time order: older buckets than the baseline's are never read again.
    watch.counts.headMap(bucket - history).clear();
    List<String> ids = watch.bucketEventIds.computeIfAbsent(bucket, b -> new ArrayList<>());
    for (String id : tally.eventIds()) {
      if (ids.size() < Evidence.MAX_EVENT_IDS - 1) {
        ids.add(id);
      }
    }
    watch.bucketEventIds.headMap(bucket).clear();
    if (bucket - watch.firstBucket < history) {
      return List.of();
    }
    long count = watch.counts.getOrDefault(bucket, 0L);
    long past = 0;
    for (long b = bucket - history; b < bucket; b++) {
      past += watch.counts.getOrDefault(b, 0L);
    }
    double baseline = (double) past / history;
    double limit = Math.max((double) settings.spikeMinCount(), settings.spikeFactor() * baseline);
    if (count < limit) {
      return List.of();
    }
    List<String> evidenceIds = new ArrayList<>(ids);
    if (!evidenceIds.contains(tally.lastEventId())) {
      evidenceIds.add(tally.lastEventId());
    }
    Instant bucketStart = Instant.ofEpochMilli(bucket * bucketMs);
    Map<String, String> observed = new LinkedHashMap<>();
    observed.put("uses_in_bucket", Long.toString(count));
    observed.put("baseline_per_bucket", String.format(java.util.Locale.ROOT, "%.2f", baseline));
    observed.put("bucket_start", bucketStart.toString());
    return List.of(
        new Finding(
            Rule.USAGE_SPIKE,
            "client:" + clientId,
            null,
            clientId,
            null,
            null,
            "Client "
                + clientId
                + " used its tokens "
                + count
                + " times in "
                + settings.spikeBucket().toSeconds()
                + " s, against a baseline of "
                + observed.get("baseline_per_bucket"),
            new Evidence(
                evidenceIds,
                count,
                bucketStart,
                Instant.ofEpochMilli(Math.max(at, bucketStart.toEpochMilli())),
                observed,
                Map.of(
                    "factor", Double.toString(settings.spikeFactor()),
                    "min_count", Long.toString(settings.spikeMinCount()),
                    "bucket_ms", Long.toString(bucketMs),
                    "history_buckets", Integer.toString(history))),
            Target.client(clientId)));
  }

  /** UNFAMILIAR_CLIENT: a source network never seen for the client and subject. */
  public List<Finding> sourceSeen(
      NetworkWatch watch, String clientId, String subject, TokenUse use) {
    String address = use.sourceAddress();
    if (address == null) {
      return List.of();
    }
    long at = use.at().toEpochMilli();
    String network = Networks.of(address, settings.ipv4Prefix(), settings.ipv6Prefix());
    long retention = settings.networkRetention().toMillis();
    for (Iterator<Sighting> it = watch.networks.values().iterator(); it.hasNext(); ) {
      if (it.next().lastAt < at - retention) {
        it.remove();
      }
    }
    if (watch.networks.isEmpty() && watch.lastEventAt < at - retention) {
      watch.learningSince = at;
    } else if (at < watch.learningSince) {
      // A sighting from a partition of the use topic behind the others (a detector catching up):
      // learning began with it, whatever order the partitions arrive in.
      watch.learningSince = at;
    }
    watch.lastEventAt = Math.max(watch.lastEventAt, at);
    Sighting known = watch.networks.get(network);
    if (known != null) {
      known.seen(use.eventId(), at);
      return List.of();
    }
    boolean learning = at - watch.learningSince < settings.networkLearning().toMillis();
    List<String> knownNetworks = new ArrayList<>(new TreeSet<>(watch.networks.keySet()));
    watch.networks.put(network, Sighting.of(use.eventId(), at));
    while (watch.networks.size() > NetworkWatch.MAX_NETWORKS) {
      String oldest = null;
      long oldestAt = Long.MAX_VALUE;
      for (Map.Entry<String, Sighting> e : watch.networks.entrySet()) {
        if (e.getValue().lastAt < oldestAt) {
          oldestAt = e.getValue().lastAt;
          oldest = e.getKey();
        }
      }
      watch.networks.remove(oldest);
    }
    if (learning) {
      return List.of();
    }
    Map<String, String> observed = new LinkedHashMap<>();
    observed.put("source_address", address);
    observed.put("network", network);
    observed.put(
        "known_networks",
        String.join(",", knownNetworks.subList(0, Math.min(knownNetworks.size(), 20))));
    observed.put("learning_since", Instant.ofEpochMilli(watch.learningSince).toString());
    observed.put("decision", use.allowed() ? "ALLOWED" : "DENIED");
    return List.of(
        new Finding(
            Rule.UNFAMILIAR_CLIENT,
            "client:" + clientId + "|subject:" + subject + "|network:" + network,
            subject,
            clientId,
            use.tokenId(),
            use.grantId(),
            "Client "
                + clientId
                + " used a token of subject "
                + subject
                + " from network "
                + network
                + ", never seen for them",
            new Evidence(
                List.of(use.eventId()),
                1,
                use.at(),
                use.at(),
                observed,
                Map.of(
                    "learning_ms", Long.toString(settings.networkLearning().toMillis()),
                    "ipv4_prefix", Integer.toString(settings.ipv4Prefix()),
                    "ipv6_prefix", Integer.toString(settings.ipv6Prefix()))),
            Target.token(use.tokenId())));
  }

  /** SCOPE_ESCALATION: a token granted scopes beyond the client's learned baseline. */
  public List<Finding> issued(ClientWatch watch, TokenGrant grant) {
    long at = grant.at().toEpochMilli();
    long retention = settings.scopeBaselineRetention().toMillis();
    watch.grantedScopes.values().removeIf(last -> last < at - retention);
    if (watch.grantedScopes.isEmpty() && watch.lastEventAt < at - retention) {
      watch.scopesSince = at;
    }
    if (watch.scopesSince == 0 || at < watch.scopesSince) {
      // also an issuance from a partition behind the others: learning began with it
      watch.scopesSince = at;
    }
    watch.lastEventAt = Math.max(watch.lastEventAt, at);
    TreeSet<String> broader = new TreeSet<>();
    for (String scope : grant.scopes()) {
      if (!watch.grantedScopes.containsKey(scope)) {
        broader.add(scope);
      }
    }
    boolean learning = at - watch.scopesSince < settings.scopeBaselineLearning().toMillis();
    TreeSet<String> baseline = new TreeSet<>(watch.grantedScopes.keySet());
    for (String scope : grant.scopes()) {
      watch.grantedScopes.merge(scope, at, Math::max);
    }
    if (learning || broader.isEmpty()) {
      return List.of();
    }
    return List.of(
        new Finding(
            Rule.SCOPE_ESCALATION,
            "client:" + grant.clientId() + "|baseline",
            grant.subject(),
            grant.clientId(),
            grant.tokenId(),
            grant.grantId(),
            "Client "
                + grant.clientId()
                + " was granted scopes beyond its baseline: "
                + String.join(" ", broader),
            new Evidence(
                List.of(grant.eventId()),
                1,
                grant.at(),
                grant.at(),
                Map.of(
                    "new_scopes", String.join(" ", broader),
                    "granted_scopes", String.join(" ", new TreeSet<>(grant.scopes())),
                    "baseline_scopes", String.join(" ", baseline)),
                Map.of(
                    "learning_ms",
                    Long.toString(settings.scopeBaselineLearning().toMillis()),
                    "retention_ms",
                    Long.toString(retention))),
            Target.token(grant.tokenId())));
  }

  /**
   * SCOPE_ESCALATION: refused issuances for scopes beyond policy, repeatedly; or once for a refresh
   * or token exchange asking more than its parent.
   */
  public List<Finding> refused(ClientWatch watch, IssuanceRefusal refusal) {
    watch.lastEventAt = Math.max(watch.lastEventAt, refusal.at().toEpochMilli());
    if (!SCOPE_REFUSALS.contains(refusal.reason())) {
      return List.of();
    }
    boolean derived =
        "DELEGATION_WIDENS_SCOPE".equals(refusal.reason())
            || DERIVED_GRANTS.contains(refusal.grantType());
    Map<String, String> observed = new LinkedHashMap<>();
    observed.put("reason", refusal.reason());
    observed.put("grant_type", refusal.grantType());
    observed.put("requested_scopes", String.join(" ", new TreeSet<>(refusal.requestedScopes())));
    observed.put("allowed_scopes", String.join(" ", new TreeSet<>(refusal.allowedScopes())));
    observed.put("excess_scopes", String.join(" ", new TreeSet<>(refusal.excessScopes())));
    if (derived) {
      String parent = refusal.parentTokenId() != null ? refusal.parentTokenId() : refusal.grantId();
      observed.put("parent", parent == null ? "(unknown)" : parent);
      return List.of(
          new Finding(
              Rule.SCOPE_ESCALATION,
              "client:" + refusal.clientId() + "|derived:" + (parent == null ? "" : parent),
              refusal.subject(),
              refusal.clientId(),
              refusal.parentTokenId(),
              refusal.grantId(),
              "Client "
                  + refusal.clientId()
                  + " asked a "
                  + refusal.grantType()
                  + " for more than its parent: "
                  + observed.get("excess_scopes"),
              new Evidence(
                  List.of(refusal.eventId()),
                  1,
                  refusal.at(),
                  refusal.at(),
                  observed,
                  Map.of("min_derived_widening_refusals", "1")),
              responseFor(refusal)));
    }
    int n = settings.deniedIssuanceCount();
    watch.scopeDenials.add(refusal.eventId(), refusal.at(), n);
    if (watch.scopeDenials.countWithin(settings.scopeWindow(), refusal.at()) < n) {
      return List.of();
    }
    Recent.Sample sample = watch.scopeDenials.within(settings.scopeWindow(), refusal.at());
    observed.put("refusals", Long.toString(sample.count()));
    return List.of(
        new Finding(
            Rule.SCOPE_ESCALATION,
            "client:" + refusal.clientId() + "|refusals",
            refusal.subject(),
            refusal.clientId(),
            null,
            null,
            "Client "
                + refusal.clientId()
                + " asked "
                + sample.count()
                + " times for scopes beyond policy: "
                + observed.get("excess_scopes"),
            new Evidence(
                sample.eventIds(),
                sample.count(),
                sample.first(),
                sample.last(),
                observed,
                Map.of(
                    "min_refusals", Integer.toString(n),
                    "window_ms", Long.toString(settings.scopeWindow().toMillis()))),
            Target.client(refusal.clientId())));
  }

  private static Target responseFor(IssuanceRefusal refusal) {
    @Nullable String grant = refusal.grantId();
    if (grant != null) {
      return Target.grant(grant);
    }
    @Nullable String parent = refusal.parentTokenId();
    return parent != null ? Target.token(parent) : Target.client(refusal.clientId());
  }
}
