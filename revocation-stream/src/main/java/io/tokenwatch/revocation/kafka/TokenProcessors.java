package io.tokenwatch.revocation.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.events.UseDecision;
import io.tokenwatch.revocation.LiveToken;
import io.tokenwatch.revocation.RevocationRules;
import io.tokenwatch.revocation.UsageCount;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.jspecify.annotations.Nullable;

/** The processors of the token sub-topology; each writes feed records for its token's key. */
final class TokenProcessors {

  private TokenProcessors() {}

  /** Base: the shared per-task state, set up on init. */
  private abstract static class Base<V>
      implements Processor<String, V, String, @Nullable Revocation> {
    final RevocationRules rules;
    final RevocationMetrics metrics;
    private @Nullable TokenState state;

    Base(RevocationRules rules, RevocationMetrics metrics) {
      this.rules = requireNonNull(rules, "rules");
      this.metrics = requireNonNull(metrics, "metrics");
    }

    @Override
    public void init(ProcessorContext<String, @Nullable Revocation> context) {
      state = new TokenState(context, rules, metrics);
    }

    TokenState state() {
      return requireNonNull(state, "processor not initialised");
    }

    /** Emits the max-use revocation once, when the count has passed the token's limit. */
    void enforceMaxUses(
        LiveToken token, UsageCount count, Instant at, @Nullable String sourceEventId, long ts) {
      if (count.maxUsesRevoked()
          || !RevocationRules.exceedsMaxUses(count.count(), token.maxUses())) {
        state().putCount(token.id(), count, false);
        return;
      }
      state()
          .revoke(token.id(), rules.maxUsesExceeded(token, count.count(), at, sourceEventId), ts);
      state().putCount(token.id(), count.revoked(), false);
    }
  }

  /**
   * Adds issued tokens to the registry, checks uses counted before the issuance arrived, and runs
   * the expiry punctuator of the task.
   */
  static final class Issued extends Base<TokenIssued> {
    private final Duration expiryInterval;

    Issued(RevocationRules rules, RevocationMetrics metrics, Duration expiryInterval) {
      super(rules, metrics);
      this.expiryInterval = requireNonNull(expiryInterval, "expiryInterval");
    }

    @Override
    public void init(ProcessorContext<String, @Nullable Revocation> context) {
      super.init(context);
      context.schedule(expiryInterval, PunctuationType.WALL_CLOCK_TIME, now -> state().expire(now));
    }

    @Override
    public void process(Record<String, TokenIssued> record) {
      LiveToken token = Events.liveToken(record.value());
      TokenState state = state();
      state.putToken(token);
      UsageCount count = state.count(token.id());
      if (count != null) {
        Instant forgetAt = rules.registryForgetAt(token);
        UsageCount updated = forgetAt.isAfter(count.forgetAt()) ? count.forgetAt(forgetAt) : count;
        enforceMaxUses(
            token,
            updated,
            record.value().getOccurredAt(),
            record.value().getEventId(),
            record.timestamp());
      }
    }
  }

  /** Counts allowed uses; a use of a token not yet in the registry is counted all the same. */
  static final class Used extends Base<TokenUsed> {

    Used(RevocationRules rules, RevocationMetrics metrics) {
      super(rules, metrics);
    }

    @Override
    public void process(Record<String, TokenUsed> record) {
      TokenUsed use = record.value();
      String id = use.getTokenId();
      if (id == null || use.getDecision() != UseDecision.ALLOWED) {
        return; // only allowed uses of parseable tokens count against max_uses
      }
      TokenState state = state();
      LiveToken token = state.token(id);
      UsageCount count = state.count(id);
      if (count == null) {
        Instant forgetAt =
            token != null
                ? rules.registryForgetAt(token)
                : rules.unseenTokenForgetAt(use.getTokenExpiresAt(), use.getOccurredAt());
        count = new UsageCount(0, forgetAt, false);
        state.putCount(id, count, token == null);
      }
      count = count.plusOne();
      if (token == null) {
        state.putCount(id, count, false); // checked when the issuance arrives
      } else {
        enforceMaxUses(token, count, use.getOccurredAt(), use.getEventId(), record.timestamp());
      }
    }
  }

  /** Revocations of single tokens, re-keyed by token id so the token's expiry is known. */
  static final class Requested extends Base<RevocationRequested> {

    Requested(RevocationRules rules, RevocationMetrics metrics) {
      super(rules, metrics);
    }

    @Override
    public void process(Record<String, RevocationRequested> record) {
      var request = Events.request(record.value());
      state().revoke(request.selector().value(), request, record.timestamp());
    }
  }
}
