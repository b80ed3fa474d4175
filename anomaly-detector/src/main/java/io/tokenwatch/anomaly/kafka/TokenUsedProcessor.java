package io.tokenwatch.anomaly.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.anomaly.Alerter;
import io.tokenwatch.anomaly.ClientShape;
import io.tokenwatch.anomaly.ClientShapes;
import io.tokenwatch.anomaly.DetectionSettings;
import io.tokenwatch.anomaly.Finding;
import io.tokenwatch.anomaly.TokenRules;
import io.tokenwatch.anomaly.TokenUse;
import io.tokenwatch.anomaly.TokenWatch;
import io.tokenwatch.anomaly.UseTally;
import io.tokenwatch.events.TokenUsed;
import java.time.Duration;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jspecify.annotations.Nullable;

/**
 * {@code tokenwatch.token-used}: the per-token rules; purges the per-token state. Forwards alerts
 * ({@link TokenOutput.Raised}) and, keyed by the token's client, what the per-client rules need
 * ({@link TokenOutput.HandedOn}): a use from a source address new for the token (the source-network
 * rule), and the client's uses on this partition in tallies (the usage rate).
 */
final class TokenUsedProcessor extends RuleProcessor<TokenUsed, TokenOutput> {
  private final TokenRules rules;
  private final Duration punctuation;
  private @Nullable TokenWatches tokens;
  private @Nullable KeyValueStore<String, UseTally> tallies;
  private @Nullable ClientShapes clientShapes;

  /** Clients with a tally in the store; rebuilt from the store at start. */
  private final Set<String> open = new HashSet<>();

  private int partition = -1;

  TokenUsedProcessor(
      DetectionSettings settings, Alerter alerter, AnomalyMetrics metrics, Duration punctuation) {
    super(AnomalyTopology.TOKEN_INCIDENTS, TokenOutput.Raised::new, settings, alerter, metrics);
    this.rules = new TokenRules(settings);
    this.punctuation = punctuation;
  }

  @Override
  public void init(ProcessorContext<String, TokenOutput> context) {
    super.init(context);
    TokenWatches watches = TokenWatches.of(context, settings);
    tokens = watches;
    KeyValueStore<String, UseTally> tallyStore =
        context.getStateStore(AnomalyTopology.CLIENT_TALLIES);
    tallies = tallyStore;
    partition = context.taskId().partition();
    open.clear();
    try (KeyValueIterator<String, UseTally> all = tallyStore.all()) {
      all.forEachRemaining(kv -> open.add(kv.key));
    }
    purgeEvery(punctuation, watches.store(), watch -> watch.forgetAt(settings));
    KeyValueStore<String, ClientShape> shapeStore =
        context.getStateStore(AnomalyTopology.CLIENT_SHAPE);
    clientShapes =
        new ClientShapes() {
          @Override
          public @Nullable ClientShape get(String clientId, long at) {
            ClientShape shape = shapeStore.get(clientId);
            return shape == null || shape.forgetAt(settings) < at ? null : shape;
          }

          @Override
          public void put(String clientId, ClientShape shape) {
            shapeStore.put(clientId, shape);
          }
        };
    context.schedule(
        punctuation,
        PunctuationType.STREAM_TIME,
        streamTime -> purge(shapeStore, shape -> shape.forgetAt(settings), streamTime));
    // Tallies of clients whose uses stopped on this partition are handed on by stream time.
    context.schedule(settings.tallyPeriod(), PunctuationType.STREAM_TIME, this::handOnIdle);
  }

  @Override
  public void process(Record<String, TokenUsed> record) {
    TokenWatches store = requireNonNull(tokens, "tokens");
    TokenUse use = Events.use(record.value());
    metrics.evaluated("token-used", record.value().getOccurredAt().toEpochMilli());
    if (use == null) {
      return;
    }
    TokenWatch watch = store.read(use.tokenId(), use.at());
    String source = use.sourceAddress();
    boolean newSource = source != null && !watch.knowsSource(source);
    List<Finding> findings = rules.used(watch, use, requireNonNull(clientShapes, "shapes"));
    store.write(use.tokenId(), watch);
    emit(findings, record);
    String client = record.value().getTokenClientId();
    if (client == null || client.isBlank()) {
      return;
    }
    if (newSource && source != null && use.subject() != null) {
      ctx()
          .forward(
              record
                  .withKey(client)
                  .<TokenOutput>withValue(
                      new TokenOutput.HandedOn(
                          ClientSignal.NewSource.of(
                              client,
                              use,
                              partition,
                              watch.usedElsewhereSince(
                                  source,
                                  use.at().minus(settings.spreadWindow()).toEpochMilli(),
                                  settings)))));
    }
    count(client, use, record);
  }

  private void count(String client, TokenUse use, Record<String, TokenUsed> record) {
    KeyValueStore<String, UseTally> store = requireNonNull(tallies, "tallies");
    long at = use.at().toEpochMilli();
    long bucket = Math.floorDiv(at, settings.spikeBucket().toMillis());
    UseTally tally = store.get(client);
    if (tally == null) {
      tally = new UseTally();
    }
    if (!tally.accepts(bucket)) {
      if (bucket < tally.bucket()) {
        // A late use (out of order on its partition) goes on alone to its own bucket.
        UseTally late = new UseTally();
        late.add(use.eventId(), at, bucket);
        handOn(client, late, record.timestamp());
        return;
      }
      handOn(client, tally, record.timestamp());
      tally = new UseTally();
    }
    tally.add(use.eventId(), at, bucket);
    if (tally.due(settings, at)) {
      handOn(client, tally, record.timestamp());
      store.delete(client);
      open.remove(client);
    } else {
      store.put(client, tally);
      open.add(client);
    }
  }

  private void handOnIdle(long streamTime) {
    KeyValueStore<String, UseTally> store = requireNonNull(tallies, "tallies");
    long before = streamTime - settings.tallyPeriod().toMillis();
    for (Iterator<String> it = open.iterator(); it.hasNext(); ) {
      String client = it.next();
      UseTally tally = store.get(client);
      if (tally == null) {
        it.remove();
      } else if (tally.firstAt() <= before) {
        handOn(client, tally, streamTime);
        store.delete(client);
        it.remove();
      }
    }
  }

  private void handOn(String client, UseTally tally, long timestamp) {
    ctx()
        .forward(
            new Record<>(
                client,
                new TokenOutput.HandedOn(ClientSignal.UseCount.of(client, partition, tally)),
                timestamp));
  }
}
