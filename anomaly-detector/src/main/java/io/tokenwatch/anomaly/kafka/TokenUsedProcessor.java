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
import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code tokenwatch.token-used}: the per-token rules; purges the per-token state. Forwards alerts
 * ({@link TokenOutput.Raised}) and, keyed by the token's client, what the per-client rules need
 * ({@link TokenOutput.HandedOn}): a use from a source address new for the token (the source-network
 * rule), and the client's uses on this partition in tallies (the usage rate), and how far it has
 * sent them ({@link ClientSignal.Progress}, see {@link SourceProgress}).
 *
 * <p>A tally is handed on when it is due, when a use of another bucket comes, or once the
 * partition's newest use is a tally period past its first: all decided by the partition's own
 * records, so a replay hands on the same tallies as the live run, however it is cut or its
 * partitions interleave. The progress sent never passes an open tally's first use.
 */
final class TokenUsedProcessor extends RuleProcessor<TokenUsed, TokenOutput> {
  private static final Logger log = LoggerFactory.getLogger(TokenUsedProcessor.class);

  private final TokenRules rules;
  private final Duration punctuation;
  private final Sources sources;
  private @Nullable TokenWatches tokens;
  private @Nullable KeyValueStore<String, UseTally> tallies;
  private @Nullable ClientShapes clientShapes;
  private @Nullable SourceProgress progress;

  /** The first use of each client's open tally; rebuilt from the store at start. */
  private final Map<String, Long> open = new HashMap<>();

  /** {@link #open} by first use. */
  private final TreeSet<Map.Entry<Long, String>> byFirstUse =
      new TreeSet<>(Map.Entry.<Long, String>comparingByKey().thenComparing(Map.Entry::getValue));

  private int partition = -1;

  TokenUsedProcessor(
      DetectionSettings settings,
      Alerter alerter,
      AnomalyMetrics metrics,
      Duration punctuation,
      Sources sources) {
    super(AnomalyTopology.TOKEN_INCIDENTS, TokenOutput.Raised::new, settings, alerter, metrics);
    this.rules = new TokenRules(settings);
    this.punctuation = punctuation;
    this.sources = sources;
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
    progress = SourceProgress.of(context, ClientSignal.SourceKind.USE, sources);
    open.clear();
    byFirstUse.clear();
    try (KeyValueIterator<String, UseTally> all = tallyStore.all()) {
      all.forEachRemaining(kv -> opened(kv.key, kv.value));
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
    context.schedule(sources.progressEvery(), PunctuationType.STREAM_TIME, this::sendProgress);
    if (sources.idleMs() > 0) {
      context.schedule(
          Duration.ofMillis(Math.max(1, sources.idleMs() / 2)),
          PunctuationType.WALL_CLOCK_TIME,
          this::followWallClockWhenIdle);
    }
  }

  @Override
  public void process(Record<String, TokenUsed> record) {
    TokenWatches store = requireNonNull(tokens, "tokens");
    TokenUse use = Events.use(record.value());
    metrics.evaluated("token-used", record.value().getOccurredAt().toEpochMilli());
    if (use == null) {
      return;
    }
    long at = use.at().toEpochMilli();
    SourceProgress sent = requireNonNull(progress, "progress");
    handOnAged(Math.max(at, sent.newest()), record.timestamp());
    boolean onTime = sent.admit(at, ctx().currentSystemTimeMs());
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
    if (!onTime) {
      metrics.lateSignal(ClientSignal.SourceKind.USE.name());
      log.debug(
          "Use {} at {} is late on partition {} (sealed up to {}): not counted by the client rules",
          use.eventId(),
          at,
          partition,
          sent.sealed());
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
      closed(client);
    } else {
      store.put(client, tally);
      opened(client, tally);
    }
  }

  /**
   * Hands on the tallies whose first use is a tally period or more before {@code newest}: the
   * partition's own clock, so the same records cut the same tallies.
   */
  private void handOnAged(long newest, long timestamp) {
    if (newest == Long.MIN_VALUE) {
      return;
    }
    long before = newest - settings.tallyPeriod().toMillis();
    List<String> aged = new ArrayList<>();
    for (Map.Entry<Long, String> e : byFirstUse) {
      if (e.getKey() > before) {
        break;
      }
      aged.add(e.getValue());
    }
    aged.forEach(client -> handOnOpen(client, timestamp));
  }

  private void handOnOpen(String client, long timestamp) {
    KeyValueStore<String, UseTally> store = requireNonNull(tallies, "tallies");
    UseTally tally = store.get(client);
    if (tally != null && !tally.isEmpty()) {
      handOn(client, tally, timestamp);
    }
    store.delete(client);
    closed(client);
  }

  /** Sends how far this partition has sent its signals, short of any open tally. */
  private void sendProgress(long streamTime) {
    SourceProgress sent = requireNonNull(progress, "progress");
    long pendingFrom = byFirstUse.isEmpty() ? Long.MAX_VALUE : byFirstUse.first().getKey();
    forward(sent.next(pendingFrom), streamTime);
  }

  /**
   * Live: a partition without uses for the idle time hands on its tallies and follows the clock.
   */
  private void followWallClockWhenIdle(long wallClock) {
    SourceProgress sent = requireNonNull(progress, "progress");
    if (!sent.idle(wallClock)) {
      return;
    }
    long streamTime = ctx().currentStreamTimeMs();
    long timestamp = Math.max(0, streamTime);
    for (String client : new ArrayList<>(open.keySet())) {
      handOnOpen(client, timestamp);
    }
    forward(sent.idleProgress(wallClock, streamTime), timestamp);
  }

  private void forward(Optional<ClientSignal.Progress> progress, long timestamp) {
    progress.ifPresent(
        p ->
            ctx()
                .forward(
                    new Record<>(
                        ClientSignal.Progress.KEY,
                        new TokenOutput.HandedOn(p),
                        Math.max(0, timestamp))));
  }

  private void opened(String client, UseTally tally) {
    Long first = open.get(client);
    if (first != null && first == tally.firstAt()) {
      return;
    }
    if (first != null) {
      byFirstUse.remove(new SimpleImmutableEntry<>(first, client));
    }
    open.put(client, tally.firstAt());
    byFirstUse.add(new SimpleImmutableEntry<>(tally.firstAt(), client));
  }

  private void closed(String client) {
    Long first = open.remove(client);
    if (first != null) {
      byFirstUse.remove(new SimpleImmutableEntry<>(first, client));
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
