package io.tokenwatch.anomaly;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * {@link DetectionSettings} for rule tests: the documented defaults (every severity HIGH), with the
 * thresholds a test varies settable by name rather than by the position of one of 26 arguments.
 */
final class TestSettings {

  private Duration suppression = Duration.ofHours(1);
  private int insufficientScopeCount = 3;
  private Duration scopeWindow = Duration.ofMinutes(10);
  private int deniedIssuanceCount = 3;
  private Duration scopeBaselineLearning = Duration.ofDays(1);
  private Duration networkLearning = Duration.ofDays(1);
  private int replayCount = 1;
  private Duration replayGrace = Duration.ofSeconds(5);
  private int expiredCount = 5;
  private Duration expiredWindow = Duration.ofMinutes(5);
  private int spreadDistinct = 3;
  private Duration spreadWindow = Duration.ofMinutes(10);
  private Duration spikeBucket = Duration.ofMinutes(1);
  private double spikeFactor = 10;
  private long spikeMinCount = 100;
  private int spikeMinHistory = 30;
  private int overshootMin = 1;
  private int spreadMaxLearned = 8;
  private Duration networkConfirm = Duration.ZERO;
  private int networkConfirmSources = 3;

  static DetectionSettings defaults() {
    return new TestSettings().build();
  }

  TestSettings suppression(Duration value) {
    suppression = value;
    return this;
  }

  TestSettings insufficientScope(int count, Duration window) {
    insufficientScopeCount = count;
    scopeWindow = window;
    return this;
  }

  TestSettings refusals(int count, Duration window) {
    deniedIssuanceCount = count;
    scopeWindow = window;
    return this;
  }

  TestSettings learning(Duration scopes, Duration networks) {
    scopeBaselineLearning = scopes;
    networkLearning = networks;
    return this;
  }

  TestSettings replay(int count, Duration grace) {
    replayCount = count;
    replayGrace = grace;
    return this;
  }

  TestSettings expired(int count, Duration window) {
    expiredCount = count;
    expiredWindow = window;
    return this;
  }

  TestSettings spread(int distinct, Duration window) {
    spreadDistinct = distinct;
    spreadWindow = window;
    return this;
  }

  TestSettings spike(Duration bucket, double factor, long minCount, int history) {
    spikeBucket = bucket;
    spikeFactor = factor;
    spikeMinCount = minCount;
    spikeMinHistory = history;
    return this;
  }

  TestSettings spreadMaxLearned(int value) {
    spreadMaxLearned = value;
    return this;
  }

  TestSettings networkConfirm(Duration window, int sources) {
    networkConfirm = window;
    networkConfirmSources = sources;
    return this;
  }

  TestSettings overshootMin(int value) {
    overshootMin = value;
    return this;
  }

  DetectionSettings build() {
    Map<Rule, Severity> severities = new EnumMap<>(Rule.class);
    for (Rule rule : Rule.values()) {
      severities.put(rule, Severity.HIGH);
    }
    return new DetectionSettings(
        severities,
        suppression,
        insufficientScopeCount,
        scopeWindow,
        deniedIssuanceCount,
        scopeBaselineLearning,
        Duration.ofDays(7),
        networkLearning,
        Duration.ofDays(30),
        24,
        48,
        replayCount,
        replayGrace,
        expiredCount,
        expiredWindow,
        spreadDistinct,
        spreadWindow,
        spikeBucket,
        spikeFactor,
        spikeMinCount,
        spikeMinHistory,
        64,
        Duration.ofSeconds(1),
        overshootMin,
        Duration.ofHours(1),
        Duration.ofHours(24),
        spreadMaxLearned,
        networkConfirm,
        networkConfirmSources);
  }
}
