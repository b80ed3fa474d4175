package io.tokenwatch.revocation.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.revocation.LiveRevocation;
import io.tokenwatch.revocation.RevocationRequest;
import io.tokenwatch.revocation.RevocationRules;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jspecify.annotations.Nullable;

/**
 * Revocations by grant, lineage, subject, client and audience, keyed by selector: merges each
 * request into {@code live-revocations} monotonically, writes what is new to the feed, and
 * tombstones records once their forget time has passed. The store is small by design (one entry per
 * live selector), so the punctuator simply scans it.
 */
final class SelectorRevocationProcessor
    implements Processor<String, RevocationRequested, String, @Nullable Revocation> {

  private final RevocationRules rules;
  private final RevocationMetrics metrics;
  private final Duration tombstoneInterval;
  private @Nullable ProcessorContext<String, @Nullable Revocation> context;
  private @Nullable KeyValueStore<String, LiveRevocation> store;

  SelectorRevocationProcessor(
      RevocationRules rules, RevocationMetrics metrics, Duration tombstoneInterval) {
    this.rules = requireNonNull(rules, "rules");
    this.metrics = requireNonNull(metrics, "metrics");
    this.tombstoneInterval = requireNonNull(tombstoneInterval, "tombstoneInterval");
  }

  @Override
  public void init(ProcessorContext<String, @Nullable Revocation> context) {
    this.context = context;
    this.store = context.getStateStore(RevocationTopology.LIVE_REVOCATIONS);
    context.schedule(tombstoneInterval, PunctuationType.WALL_CLOCK_TIME, this::tombstone);
  }

  @Override
  public void process(Record<String, RevocationRequested> record) {
    RevocationRequest request = Events.request(record.value());
    String key = request.selector().key();
    KeyValueStore<String, LiveRevocation> live = requireNonNull(store, "store");
    Optional<LiveRevocation> merged = rules.merge(live.get(key), rules.resolve(request, null));
    if (merged.isEmpty()) {
      return;
    }
    LiveRevocation revocation = merged.get();
    live.put(key, revocation);
    requireNonNull(context, "context")
        .forward(new Record<>(key, Events.feedRecord(revocation), record.timestamp()));
    metrics.revocationEmitted(revocation.reason().name());
  }

  private void tombstone(long nowMillis) {
    Instant now = Instant.ofEpochMilli(nowMillis);
    KeyValueStore<String, LiveRevocation> live = requireNonNull(store, "store");
    List<String> forgotten = new ArrayList<>();
    try (KeyValueIterator<String, LiveRevocation> entries = live.all()) {
      while (entries.hasNext()) {
        KeyValue<String, LiveRevocation> entry = entries.next();
        if (entry.value.forgettableAt(now)) {
          forgotten.add(entry.key);
        }
      }
    }
    for (String key : forgotten) {
      live.delete(key);
      requireNonNull(context, "context").forward(new Record<>(key, null, nowMillis));
      metrics.tombstoneWritten();
    }
  }
}
