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

  /** Days of the client's rhythm by time of day that USAGE_SPIKE remembers. */
  static final int SEASON_DAYS = 7;

  /**
   * A bucket is usual for its time of day when the same hour (give or take one) on one of the last
   * {@value #SEASON_DAYS} days peaked at least at 1/{@value} of it.
   */
  static final long SEASONAL_FACTOR = 2;

  private static final long HOUR_MS = 3_600_000L;

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
    long hour = Math.floorDiv(bucket * bucketMs, HOUR_MS);
    long seasonal = seasonalPeak(watch, hour);
    watch.hourlyPeak.merge(hour, count, Math::max);
    watch.hourlyPeak.headMap(hour - (SEASON_DAYS + 1) * 24L).clear();
    if (count < limit || count <= SEASONAL_FACTOR * seasonal) {
      // Below the limit, or the client's usual for this time of day (its nightly batch).
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
    observed.put("peak_this_time_of_day_per_bucket", Long.toString(seasonal));
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
                    "history_buckets", Integer.toString(history),
                    "seasonal_factor", Long.toString(SEASONAL_FACTOR),
                    "season_days", Integer.toString(SEASON_DAYS))),
            Target.client(clientId)));
  }

  /** The client's peak bucket around this hour of the day on the previous days, 0 when none. */
  private static long seasonalPeak(ClientWatch watch, long hour) {
    long peak = 0;
    for (int day = 1; day <= SEASON_DAYS; day++) {
      long then = hour - 24L * day;
      for (long h = then - 1; h <= then + 1; h++) {
        peak = Math.max(peak, watch.hourlyPeak.getOrDefault(h, 0L));
      }
    }
    return peak;
  }

  /**
   * UNFAMILIAR_CLIENT: a source network never seen for the client and subject, that did not prove
   * to be the client's own. A network new for a subject alerts only if it is not one of the
   * client's own networks and, within {@code networkConfirm} of its first use, it serves fewer than
   * {@code networkConfirmSources} distinct subjects and source addresses of the client: a deploy or
   * a new node pool brings many, a stolen token one. The findings of one network are one incident.
   *
   * @param watch what the subject is learned to use
   * @param client the client's networks as a whole
   * @return the findings due now: of this use when no confirmation is configured, and of watched
   *     networks whose confirmation window ended before it
   */
  public List<Finding> sourceSeen(
      NetworkWatch watch, ClientNetworks client, String clientId, String subject, TokenUse use) {
    return sourceSeen(watch, client, clientId, subject, use, false);
  }

  /**
   * As {@link #sourceSeen(NetworkWatch, ClientNetworks, String, String, TokenUse)}, knowing whether
   * the token was also used from another network within the spread window ({@code concurrent}). A
   * client of which {@code network.confirm-sources} other subjects used more than one network
   * within the retention, learning included, roams (people at home, on phones, travelling): for it,
   * only a new network while the token is in use elsewhere is held.
   */
  public List<Finding> sourceSeen(
      NetworkWatch watch,
      ClientNetworks client,
      String clientId,
      String subject,
      TokenUse use,
      boolean concurrent) {
    String address = use.sourceAddress();
    if (address == null) {
      return List.of();
    }
    long at = use.at().toEpochMilli();
    List<Finding> findings = new ArrayList<>(settle(client, clientId, at));
    client.lastEventAt = Math.max(client.lastEventAt, at);
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
    Long ownSeen = client.own.get(network);
    if (ownSeen != null && ownSeen < at - settings.networkRetention().toMillis()) {
      // Past retention, however long ago a decision last forgot the client's old networks.
      client.own.remove(network);
      ownSeen = null;
    }
    boolean own = ownSeen != null;
    if (ownSeen != null) {
      client.own.put(network, Math.max(ownSeen, at));
    } else if (sharedBy(client, network, subject, at)) {
      promote(client, network, at);
      own = true;
    }
    ClientNetworks.Candidate candidate = client.candidates.get(network);
    if (candidate != null && watchedOn(candidate, subject, address)) {
      promote(client, network, at);
      candidate = null;
      own = true;
    }
    Sighting known = watch.networks.get(network);
    if (known != null) {
      known.seen(use.eventId(), at);
      return findings;
    }
    boolean learning = at - watch.learningSince < settings.networkLearning().toMillis();
    List<String> knownNetworks = new ArrayList<>(new TreeSet<>(watch.networks.keySet()));
    watch.networks.put(network, Sighting.of(use.eventId(), at));
    if (watch.networks.size() > 1) {
      // The subject uses more than one network (office and home, a phone): learning counts too.
      noteRoamer(client, subject, at);
    }
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
    if (own) {
      return findings;
    }
    if (candidate == null) {
      candidate = new ClientNetworks.Candidate();
      candidate.firstAt = at;
      client.candidates.put(network, candidate);
      if (watchedOn(candidate, subject, address)) {
        promote(client, network, at);
        return findings;
      }
      findings.addAll(makeRoom(client, clientId));
    }
    if (learning) {
      return findings;
    }
    client.roamers.values().removeIf(last -> last < at - retention);
    int roamers = client.roamers.size() - (client.roamers.containsKey(subject) ? 1 : 0);
    if (roamers >= settings.networkConfirmSources() && !concurrent) {
      return findings;
    }
    ClientNetworks.Held held = new ClientNetworks.Held();
    held.roamers = roamers;
    held.concurrent = concurrent;
    held.eventId = use.eventId();
    held.at = at;
    held.subject = subject;
    held.tokenId = use.tokenId();
    held.grantId = use.grantId();
    held.address = address;
    held.allowed = use.allowed();
    held.knownNetworks =
        String.join(",", knownNetworks.subList(0, Math.min(knownNetworks.size(), 20)));
    held.clientNetworks =
        String.join(
            ",", new ArrayList<>(client.own.keySet()).subList(0, Math.min(client.own.size(), 20)));
    held.learningSince = watch.learningSince;
    candidate.heldCount++;
    if (settings.networkConfirm().isZero()) {
      findings.add(unfamiliarNetwork(clientId, network, candidate, held));
      return findings;
    }
    if (candidate.held.size() < ClientNetworks.MAX_HELD) {
      candidate.held.add(held);
    }
    return findings;
  }

  /**
   * Decides the watched networks of the client whose confirmation window ended by {@code at} (event
   * time, epoch ms): those that did not prove to be the client's own alert, one finding per use
   * held, all of one incident. Also forgets the client's own networks past retention.
   */
  public List<Finding> settle(ClientNetworks client, String clientId, long at) {
    client.own.values().removeIf(last -> last < at - settings.networkRetention().toMillis());
    List<Finding> findings = new ArrayList<>();
    long confirm = settings.networkConfirm().toMillis();
    for (Iterator<Map.Entry<String, ClientNetworks.Candidate>> it =
            client.candidates.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<String, ClientNetworks.Candidate> e = it.next();
      ClientNetworks.Candidate candidate = e.getValue();
      if (candidate.firstAt + confirm > at) {
        continue;
      }
      it.remove();
      for (ClientNetworks.Held held : candidate.held) {
        findings.add(unfamiliarNetwork(clientId, e.getKey(), candidate, held));
      }
    }
    return findings;
  }

  /**
   * Counts the subject on a network of the client that is not its own; whether it has now served
   * enough distinct subjects over the retention to be the client's own (shared infrastructure).
   */
  private boolean sharedBy(ClientNetworks client, String network, String subject, long at) {
    long retention = settings.networkRetention().toMillis();
    client.shared.values().removeIf(shared -> shared.lastAt < at - retention);
    ClientNetworks.Shared shared =
        client.shared.computeIfAbsent(network, n -> new ClientNetworks.Shared());
    shared.lastAt = Math.max(shared.lastAt, at);
    if (shared.subjects.size() < settings.networkConfirmSources()) {
      shared.subjects.add(subject);
    }
    while (client.shared.size() > ClientNetworks.MAX_SHARED) {
      String oldest = null;
      long oldestAt = Long.MAX_VALUE;
      for (Map.Entry<String, ClientNetworks.Shared> e : client.shared.entrySet()) {
        if (e.getValue().lastAt < oldestAt) {
          oldestAt = e.getValue().lastAt;
          oldest = e.getKey();
        }
      }
      if (oldest == null) {
        break;
      }
      client.shared.remove(oldest);
    }
    return shared.subjects.size() >= settings.networkConfirmSources();
  }

  /**
   * Notes a subject seen on more than one network. Only the most recent few are kept: whether a
   * client roams needs {@code network.confirm-sources} besides the one at hand, and a client of a
   * hundred thousand people must not carry them all in one state value.
   */
  private void noteRoamer(ClientNetworks client, String subject, long at) {
    client.roamers.merge(subject, at, Math::max);
    while (client.roamers.size() > settings.networkConfirmSources() + 1) {
      String oldest = null;
      long oldestAt = Long.MAX_VALUE;
      for (Map.Entry<String, Long> e : client.roamers.entrySet()) {
        if (e.getValue() < oldestAt) {
          oldestAt = e.getValue();
          oldest = e.getKey();
        }
      }
      if (oldest == null) {
        break;
      }
      client.roamers.remove(oldest);
    }
  }

  /** Counts the subject and source on the watched network; whether it is now the client's own. */
  private boolean watchedOn(ClientNetworks.Candidate candidate, String subject, String address) {
    int enough = settings.networkConfirmSources();
    if (candidate.subjects.size() < enough) {
      candidate.subjects.add(subject);
    }
    if (candidate.sources.size() < enough) {
      candidate.sources.add(address);
    }
    return candidate.subjects.size() >= enough || candidate.sources.size() >= enough;
  }

  private static void promote(ClientNetworks client, String network, long at) {
    client.candidates.remove(network);
    client.shared.remove(network);
    client.own.put(network, at);
    while (client.own.size() > ClientNetworks.MAX_OWN) {
      String oldest = null;
      long oldestAt = Long.MAX_VALUE;
      for (Map.Entry<String, Long> e : client.own.entrySet()) {
        if (e.getValue() < oldestAt) {
          oldestAt = e.getValue();
          oldest = e.getKey();
        }
      }
      client.own.remove(oldest);
    }
  }

  /** Decides the longest-watched networks at once while too many are watched. */
  private List<Finding> makeRoom(ClientNetworks client, String clientId) {
    List<Finding> findings = new ArrayList<>();
    while (client.candidates.size() > ClientNetworks.MAX_CANDIDATES) {
      Map.Entry<String, ClientNetworks.Candidate> oldest = null;
      for (Map.Entry<String, ClientNetworks.Candidate> e : client.candidates.entrySet()) {
        if (oldest == null || e.getValue().firstAt < oldest.getValue().firstAt) {
          oldest = e;
        }
      }
      if (oldest == null) {
        break;
      }
      String network = oldest.getKey();
      ClientNetworks.Candidate candidate = oldest.getValue();
      client.candidates.remove(network);
      for (ClientNetworks.Held held : candidate.held) {
        findings.add(unfamiliarNetwork(clientId, network, candidate, held));
      }
    }
    return findings;
  }

  private Finding unfamiliarNetwork(
      String clientId,
      String network,
      ClientNetworks.Candidate candidate,
      ClientNetworks.Held held) {
    Map<String, String> observed = new LinkedHashMap<>();
    observed.put("source_address", held.address);
    observed.put("network", network);
    observed.put("known_networks", held.knownNetworks);
    observed.put("client_networks", held.clientNetworks);
    observed.put("subjects_on_network", Integer.toString(candidate.subjects.size()));
    observed.put("sources_on_network", Integer.toString(candidate.sources.size()));
    observed.put("uses_held", Integer.toString(candidate.heldCount));
    observed.put("client_subjects_roaming", Integer.toString(held.roamers));
    observed.put("token_used_elsewhere_meanwhile", Boolean.toString(held.concurrent));
    observed.put("learning_since", Instant.ofEpochMilli(held.learningSince).toString());
    observed.put("decision", held.allowed ? "ALLOWED" : "DENIED");
    Instant at = Instant.ofEpochMilli(held.at);
    return new Finding(
        Rule.UNFAMILIAR_CLIENT,
        "client:" + clientId + "|network:" + network,
        held.subject,
        clientId,
        held.tokenId,
        held.grantId,
        "Client "
            + clientId
            + " used a token of subject "
            + held.subject
            + " from network "
            + network
            + ", never seen for them and not one of the client's own",
        new Evidence(
            List.of(held.eventId),
            1,
            at,
            at,
            observed,
            Map.of(
                "learning_ms", Long.toString(settings.networkLearning().toMillis()),
                "confirm_ms", Long.toString(settings.networkConfirm().toMillis()),
                "confirm_sources", Integer.toString(settings.networkConfirmSources()),
                "ipv4_prefix", Integer.toString(settings.ipv4Prefix()),
                "ipv6_prefix", Integer.toString(settings.ipv6Prefix()))),
        Target.token(held.tokenId),
        List.of("subject:" + held.subject, "token:" + held.tokenId, "source:" + held.address));
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
    // Counted per subject: a people's app relays many people's requests, and a few of them asking
    // once each for a scope beyond policy at login is no one escalating.
    String subject = refusal.subject() == null ? "" : refusal.subject();
    long from = refusal.at().toEpochMilli() - settings.scopeWindow().toMillis();
    watch.scopeDenialsBySubject.values().removeIf(recent -> recent.lastAt() < from);
    Recent recent = watch.scopeDenialsBySubject.computeIfAbsent(subject, k -> new Recent());
    recent.add(refusal.eventId(), refusal.at(), n);
    if (recent.countWithin(settings.scopeWindow(), refusal.at()) < n) {
      return List.of();
    }
    Recent.Sample sample = recent.within(settings.scopeWindow(), refusal.at());
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
