package io.tokenwatch.anomaly;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * The thresholds of every rule. Built from the configuration (every value is a documented key);
 * durations are in event time.
 *
 * @param severities the severity of each rule's alerts
 * @param suppression an incident's alerts are suppressed while its matching events come less than
 *     this apart; after a quiet gap this long a new incident (and alert) may start
 * @param insufficientScopeCount SCOPE_ESCALATION: insufficient-scope denials of one token ...
 * @param scopeWindow ... within this window; also the window of {@code deniedIssuanceCount}
 * @param deniedIssuanceCount SCOPE_ESCALATION: issuance denials for scopes beyond policy of one
 *     client within {@code scopeWindow}
 * @param scopeBaselineLearning SCOPE_ESCALATION: how long a client's granted scopes are learned
 *     before a broader grant alerts
 * @param scopeBaselineRetention a scope not granted for this long leaves the baseline
 * @param networkLearning UNFAMILIAR_CLIENT: how long a client and subject's source networks are
 *     learned before a new one alerts
 * @param networkRetention a network not seen for this long leaves the learned set
 * @param ipv4Prefix prefix length grouping IPv4 sources into a network
 * @param ipv6Prefix prefix length grouping IPv6 sources into a network
 * @param replayCount REPLAY_AFTER_REVOCATION: uses of a revoked token that fire
 * @param replayGrace allowed uses this soon after the revocation are propagation, not replay
 * @param expiredCount USE_AFTER_EXPIRY: expired presentations of one token ...
 * @param expiredWindow ... within this window
 * @param spreadDistinct TOKEN_SPREAD: distinct source networks ({@code ipv4Prefix}/{@code
 *     ipv6Prefix}) or binding keys of one token ...
 * @param spreadWindow ... within this window
 * @param spikeBucket USAGE_SPIKE: the rate is counted per bucket of this length
 * @param spikeFactor fires when a bucket's count reaches this multiple of the baseline (the mean of
 *     the {@code spikeMinHistory} buckets before it) ...
 * @param spikeMinCount ... and at least this many uses
 * @param spikeMinHistory buckets the baseline averages, and the history a client needs
 * @param overshootMin MAX_USE_OVERSHOOT: accepted uses beyond max_uses that fire
 * @param tokenRetention per-token state is kept this long after the token expires
 * @param maxTokenTtl how long state of a token never seen issued is kept after its last event
 * @param spreadMaxLearned TOKEN_SPREAD: a client whose tokens are normally used from more networks
 *     (learned over {@code networkLearning}) raises its own threshold above {@code spreadDistinct},
 *     up to this
 * @param networkConfirm UNFAMILIAR_CLIENT: how long a network new for a client is watched before it
 *     alerts ...
 * @param networkConfirmSources ... unless in that time it served this many distinct subjects or
 *     source addresses of the client: then it is the client's own (a deploy, a new node pool)
 */
public record DetectionSettings(
    Map<Rule, Severity> severities,
    Duration suppression,
    int insufficientScopeCount,
    Duration scopeWindow,
    int deniedIssuanceCount,
    Duration scopeBaselineLearning,
    Duration scopeBaselineRetention,
    Duration networkLearning,
    Duration networkRetention,
    int ipv4Prefix,
    int ipv6Prefix,
    int replayCount,
    Duration replayGrace,
    int expiredCount,
    Duration expiredWindow,
    int spreadDistinct,
    Duration spreadWindow,
    Duration spikeBucket,
    double spikeFactor,
    long spikeMinCount,
    int spikeMinHistory,
    int tallyUses,
    Duration tallyPeriod,
    int overshootMin,
    Duration tokenRetention,
    Duration maxTokenTtl,
    int spreadMaxLearned,
    Duration networkConfirm,
    int networkConfirmSources) {

  public DetectionSettings {
    severities = Map.copyOf(new EnumMap<>(requireNonNull(severities, "severities")));
    for (Rule rule : Rule.values()) {
      if (!severities.containsKey(rule)) {
        throw new IllegalArgumentException("no severity for " + rule);
      }
    }
    positive(suppression, "suppression");
    positive(scopeWindow, "scopeWindow");
    positive(expiredWindow, "expiredWindow");
    positive(spreadWindow, "spreadWindow");
    positive(spikeBucket, "spikeBucket");
    positive(tallyPeriod, "tallyPeriod");
    atLeastOne(tallyUses, "tallyUses");
    requireNonNull(scopeBaselineLearning, "scopeBaselineLearning");
    positive(scopeBaselineRetention, "scopeBaselineRetention");
    requireNonNull(networkLearning, "networkLearning");
    positive(networkRetention, "networkRetention");
    requireNonNull(replayGrace, "replayGrace");
    requireNonNull(tokenRetention, "tokenRetention");
    positive(maxTokenTtl, "maxTokenTtl");
    atLeastOne(insufficientScopeCount, "insufficientScopeCount");
    atLeastOne(deniedIssuanceCount, "deniedIssuanceCount");
    atLeastOne(replayCount, "replayCount");
    atLeastOne(expiredCount, "expiredCount");
    atLeastOne(overshootMin, "overshootMin");
    requireNonNull(networkConfirm, "networkConfirm");
    if (networkConfirm.isNegative()) {
      throw new IllegalArgumentException("networkConfirm must not be negative");
    }
    if (spreadMaxLearned < spreadDistinct) {
      throw new IllegalArgumentException("spreadMaxLearned must be at least spreadDistinct");
    }
    if (networkConfirmSources < 2) {
      throw new IllegalArgumentException("networkConfirmSources must be at least 2");
    }
    if (spreadDistinct < 2) {
      throw new IllegalArgumentException("spreadDistinct must be at least 2");
    }
    if (spikeFactor <= 1) {
      throw new IllegalArgumentException("spikeFactor must exceed 1");
    }
  }

  /** The severity of {@code rule}'s alerts. */
  public Severity severity(Rule rule) {
    return requireNonNull(severities.get(rule), rule::name);
  }

  private static void positive(Duration d, String name) {
    requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive");
    }
  }

  private static void atLeastOne(int n, String name) {
    if (n < 1) {
      throw new IllegalArgumentException(name + " must be at least 1");
    }
  }
}
