package io.tokenwatch.revocation.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.Revocation;
import io.tokenwatch.revocation.LiveRevocation;
import io.tokenwatch.revocation.LiveToken;
import io.tokenwatch.revocation.RevocationRequest;
import io.tokenwatch.revocation.RevocationRules;
import io.tokenwatch.revocation.UsageCount;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jspecify.annotations.Nullable;

/**
 * The per-token state of one task, shared by the processors of the token sub-topology (issuance,
 * use, token revocations): all keyed by token id, all on the same partition.
 *
 * <p>Every piece of state has a time after which it may go, recorded in the expiry index; the
 * expiry punctuator walks the index up to now, so state stays bounded by live tokens.
 */
final class TokenState {

  private static final byte[] PRESENT = new byte[0];

  private final KeyValueStore<String, LiveToken> registry;
  private final KeyValueStore<String, UsageCount> counts;
  private final KeyValueStore<Bytes, byte[]> expiryIndex;
  private final KeyValueStore<String, LiveRevocation> revocations;
  private final RevocationRules rules;
  private final RevocationMetrics metrics;
  private final ProcessorContext<String, @Nullable Revocation> context;

  TokenState(
      ProcessorContext<String, @Nullable Revocation> context,
      RevocationRules rules,
      RevocationMetrics metrics) {
    this.context = requireNonNull(context, "context");
    this.rules = requireNonNull(rules, "rules");
    this.metrics = requireNonNull(metrics, "metrics");
    this.registry = context.getStateStore(RevocationTopology.TOKEN_REGISTRY);
    this.counts = context.getStateStore(RevocationTopology.USAGE_COUNTS);
    this.expiryIndex = context.getStateStore(RevocationTopology.TOKEN_EXPIRY_INDEX);
    this.revocations = context.getStateStore(RevocationTopology.LIVE_TOKEN_REVOCATIONS);
  }

  RevocationRules rules() {
    return rules;
  }

  @Nullable LiveToken token(String id) {
    return registry.get(id);
  }

  @Nullable UsageCount count(String id) {
    return counts.get(id);
  }

  void putToken(LiveToken token) {
    registry.put(token.id(), token);
    forgetAt(rules.registryForgetAt(token), token.id());
  }

  void putCount(String id, UsageCount count, boolean scheduleForget) {
    counts.put(id, count);
    if (scheduleForget) {
      forgetAt(count.forgetAt(), id);
    }
  }

  /**
   * Merges a revocation of one token into what the feed holds and writes the feed record when it
   * adds something.
   *
   * @return whether a record was written
   */
  boolean revoke(String tokenId, RevocationRequest request, long timestamp) {
    LiveToken token = registry.get(tokenId);
    LiveRevocation incoming = rules.resolve(request, token == null ? null : token.expiresAt());
    var merged = rules.merge(revocations.get(tokenId), incoming);
    if (merged.isEmpty()) {
      return false;
    }
    LiveRevocation revocation = merged.get();
    revocations.put(tokenId, revocation);
    forgetAt(revocation.forgetAfter(), tokenId);
    context.forward(
        new Record<>(revocation.selector().key(), Events.feedRecord(revocation), timestamp));
    metrics.revocationEmitted(revocation.reason().name());
    return true;
  }

  /** Drops everything whose time has come, writing a tombstone for each forgotten revocation. */
  void expire(long nowMillis) {
    Instant now = Instant.ofEpochMilli(nowMillis);
    List<Bytes> due = new ArrayList<>();
    try (KeyValueIterator<Bytes, byte[]> entries = expiryIndex.all()) {
      while (entries.hasNext()) {
        KeyValue<Bytes, byte[]> entry = entries.next();
        if (StateSerdes.expiryKeyInstant(entry.key).isAfter(now)) {
          break; // the index is in time order
        }
        due.add(entry.key);
      }
    }
    for (Bytes key : due) {
      expiryIndex.delete(key);
      forget(StateSerdes.expiryKeyTokenId(key), now, nowMillis);
    }
  }

  private void forget(String id, Instant now, long nowMillis) {
    LiveToken token = registry.get(id);
    boolean tokenGone = token == null || !now.isBefore(rules.registryForgetAt(token));
    if (token != null && tokenGone) {
      registry.delete(id);
    }
    UsageCount count = counts.get(id);
    if (count != null && tokenGone && !now.isBefore(count.forgetAt())) {
      counts.delete(id);
    }
    LiveRevocation revocation = revocations.get(id);
    if (revocation != null && revocation.forgettableAt(now)) {
      revocations.delete(id);
      context.forward(new Record<>(revocation.selector().key(), null, nowMillis));
      metrics.tombstoneWritten();
    }
  }

  private void forgetAt(Instant at, String id) {
    expiryIndex.put(StateSerdes.expiryKey(at, id), PRESENT);
  }
}
