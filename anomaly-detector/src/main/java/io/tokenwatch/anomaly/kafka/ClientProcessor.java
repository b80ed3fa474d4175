package io.tokenwatch.anomaly.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.anomaly.Alert;
import io.tokenwatch.anomaly.Alerter;
import io.tokenwatch.anomaly.ClientNetworks;
import io.tokenwatch.anomaly.ClientRules;
import io.tokenwatch.anomaly.ClientWatch;
import io.tokenwatch.anomaly.DetectionSettings;
import io.tokenwatch.anomaly.Finding;
import io.tokenwatch.anomaly.NetworkWatch;
import io.tokenwatch.anomaly.kafka.ClientSignal.SourceKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-client rules over the client signals, in event-time order; purges the per-client state.
 *
 * <p>The signals of one client come from every partition of three inputs, which may be far apart in
 * event time while the detector catches up (a replay, a restart). So every signal waits in {@value
 * AnomalyTopology#CLIENT_BUFFER}, sorted by event time, until every source the rules expect (each
 * partition of each input) has sent its {@link ClientSignal.Progress} past it: the watermark, the
 * slowest source's progress. Then the signals up to the watermark are applied in order, whatever
 * the order the partitions arrived in, so the same events raise the same alerts. The progress of
 * each source is in {@value AnomalyTopology#CLIENT_PROGRESS}; state is purged up to the watermark,
 * not the stream time, which runs ahead of what was applied.
 */
final class ClientProcessor extends RuleProcessor<ClientSignal, Alert> {
  private static final Logger log = LoggerFactory.getLogger(ClientProcessor.class);

  /** Orders signals of one millisecond: by kind, then by their event. */
  private static final Map<Class<?>, Character> KIND_ORDER =
      Map.of(
          ClientSignal.Issued.class, '0',
          ClientSignal.Refused.class, '1',
          ClientSignal.NewSource.class, '2',
          ClientSignal.UseCount.class, '3');

  private final ClientRules rules;
  private final Duration punctuation;
  private final Sources sources;
  private @Nullable KeyValueStore<String, ClientWatch> clients;
  private @Nullable KeyValueStore<String, NetworkWatch> networks;
  private @Nullable KeyValueStore<String, ClientNetworks> clientNetworks;
  private @Nullable KeyValueStore<String, ClientSignal> buffer;
  private @Nullable KeyValueStore<String, Long> progress;

  /**
   * Clients with watched networks, by when the earliest is due; rebuilt from the store at start. A
   * client may be listed under a deadline that passed unchanged: settling it then finds nothing.
   */
  private final TreeMap<Long, Set<String>> dueFrom = new TreeMap<>();

  /** The progress store's content, read once at start; the store stays the truth on restart. */
  private final Map<String, Long> reached = new HashMap<>();

  private long watermark = Long.MIN_VALUE;

  ClientProcessor(
      DetectionSettings settings,
      Alerter alerter,
      AnomalyMetrics metrics,
      Duration punctuation,
      Sources sources) {
    super(AnomalyTopology.CLIENT_INCIDENTS, Function.identity(), settings, alerter, metrics);
    this.rules = new ClientRules(settings);
    this.punctuation = punctuation;
    this.sources = sources;
  }

  @Override
  public void init(ProcessorContext<String, Alert> context) {
    super.init(context);
    KeyValueStore<String, ClientWatch> clientStore =
        context.getStateStore(AnomalyTopology.CLIENT_WATCH);
    KeyValueStore<String, NetworkWatch> networkStore =
        context.getStateStore(AnomalyTopology.NETWORK_WATCH);
    clients = clientStore;
    networks = networkStore;
    buffer = context.getStateStore(AnomalyTopology.CLIENT_BUFFER);
    KeyValueStore<String, Long> progressStore =
        context.getStateStore(AnomalyTopology.CLIENT_PROGRESS);
    progress = progressStore;
    reached.clear();
    List<String> legacy = new ArrayList<>();
    try (KeyValueIterator<String, Long> all = progressStore.all()) {
      all.forEachRemaining(
          kv -> {
            if (kv.key.indexOf(':') < 0) {
              legacy.add(kv.key);
            } else {
              reached.put(kv.key, kv.value);
            }
          });
    }
    if (!legacy.isEmpty()) {
      // An earlier release's newest bucket per use partition: the rules no longer read it.
      log.info("Dropping {} progress entries of an earlier release", legacy.size());
      legacy.forEach(progressStore::delete);
    }
    watermark = watermark();
    purgeEvery(punctuation, clientStore, watch -> watch.forgetAt(settings), t -> watermark);
    KeyValueStore<String, ClientNetworks> clientNetworkStore =
        context.getStateStore(AnomalyTopology.CLIENT_NETWORKS);
    clientNetworks = clientNetworkStore;
    dueFrom.clear();
    try (KeyValueIterator<String, ClientNetworks> all = clientNetworkStore.all()) {
      all.forEachRemaining(kv -> watchDeadlines(kv.key, kv.value));
    }
    context.schedule(
        punctuation,
        PunctuationType.STREAM_TIME,
        streamTime -> purge(networkStore, network -> network.forgetAt(settings), watermark));
  }

  @Override
  public void process(Record<String, ClientSignal> record) {
    ClientSignal signal = record.value();
    if (signal instanceof ClientSignal.Progress reach) {
      advance(reach);
      return;
    }
    if (signal.at() <= watermark) {
      // Cannot happen while every source keeps its promise; applied rather than lost.
      log.warn(
          "Client signal at {} arrived after the watermark {} passed it: applied out of order",
          signal.at(),
          watermark);
      apply(signal);
      return;
    }
    requireNonNull(buffer, "buffer").put(bufferKey(signal), signal);
  }

  /** Notes a source's progress; applies what the watermark, if it moved, now passes. */
  private void advance(ClientSignal.Progress reach) {
    if (!sources.expected(reach.kind(), reach.sourcePartition())) {
      return;
    }
    String source = reach.kind().name() + ":" + reach.sourcePartition();
    Long before = reached.get(source);
    if (before != null && before >= reach.upTo()) {
      return;
    }
    reached.put(source, reach.upTo());
    requireNonNull(progress, "progress").put(source, reach.upTo());
    long next = watermark();
    if (next <= watermark) {
      return;
    }
    long previous = watermark;
    watermark = next;
    release(previous, next);
    settleDue(next);
  }

  /** The slowest expected source's progress; a source never heard of holds it at the start. */
  private long watermark() {
    long slowest = Long.MAX_VALUE;
    for (SourceKind kind : SourceKind.values()) {
      for (int p = 0; p < sources.partitions().of(kind); p++) {
        Long upTo = reached.get(kind.name() + ":" + p);
        if (upTo == null) {
          return Long.MIN_VALUE;
        }
        slowest = Math.min(slowest, upTo);
      }
    }
    return slowest;
  }

  /**
   * Applies, in order, the buffered signals after {@code previous} and at or before {@code upTo}.
   */
  private void release(long previous, long upTo) {
    KeyValueStore<String, ClientSignal> store = requireNonNull(buffer, "buffer");
    // Nothing at or before the previous watermark is buffered (such a signal is applied as it
    // comes), so the scan starts after it: not over the tombstones of every release before, which
    // a RocksDB iterator from the start would step through each time.
    String from = previous == Long.MIN_VALUE ? null : timeKey(previous + 1);
    String after = upTo == Long.MAX_VALUE ? null : timeKey(upTo + 1);
    List<KeyValue<String, ClientSignal>> due = new ArrayList<>();
    try (KeyValueIterator<String, ClientSignal> range = store.range(from, after)) {
      while (range.hasNext()) {
        KeyValue<String, ClientSignal> next = range.next();
        if (after != null && next.key.compareTo(after) >= 0) {
          break;
        }
        due.add(next);
      }
    }
    for (KeyValue<String, ClientSignal> next : due) {
      store.delete(next.key);
      apply(next.value);
    }
  }

  private void apply(ClientSignal signal) {
    settleDue(signal.at());
    KeyValueStore<String, ClientWatch> clientStore = requireNonNull(clients, "clients");
    ClientWatch watch = clientStore.get(signal.clientId());
    if (watch == null || watch.forgetAt(settings) < signal.at()) {
      watch = new ClientWatch();
    }
    List<Finding> findings;
    if (signal instanceof ClientSignal.UseCount count) {
      findings = rules.used(watch, count.clientId(), count.tally());
    } else if (signal instanceof ClientSignal.NewSource source) {
      findings = sourceSeen(source);
    } else if (signal instanceof ClientSignal.Issued issued) {
      findings = rules.issued(watch, issued.grant());
    } else if (signal instanceof ClientSignal.Refused refused) {
      findings = rules.refused(watch, refused.refusal());
    } else {
      throw new IllegalStateException("not a client's signal " + signal);
    }
    clientStore.put(signal.clientId(), watch);
    // Timed as the event that raised it, not as the progress that released it.
    emit(findings, new Record<>(signal.clientId(), signal, signal.at()));
  }

  /** UNFAMILIAR_CLIENT for the source network, per client and subject. */
  private List<Finding> sourceSeen(ClientSignal.NewSource source) {
    KeyValueStore<String, NetworkWatch> networkStore = requireNonNull(networks, "networks");
    String clientId = source.clientId();
    String subject = source.subject();
    String key = clientId.length() + ":" + clientId + subject;
    NetworkWatch network = networkStore.get(key);
    if (network == null || network.forgetAt(settings) < source.at()) {
      network = new NetworkWatch();
    }
    ClientNetworks client = clientNetworks(clientId, source.at());
    List<Finding> findings =
        rules.sourceSeen(network, client, clientId, subject, source.use(), source.concurrent());
    networkStore.put(key, network);
    requireNonNull(clientNetworks, "clientNetworks").put(clientId, client);
    watchDeadlines(clientId, client);
    return findings;
  }

  /**
   * Decides the watched networks, of any client, due by {@code at} (event time): every signal
   * applied, of any client on this task, and the watermark move time on, so a network is decided
   * soon after its window even when its own client went quiet. What is decided depends only on the
   * signals before the deadline, all applied by then, so when it runs changes no alert.
   */
  private void settleDue(long at) {
    if (dueFrom.isEmpty() || dueFrom.firstKey() > at) {
      return;
    }
    KeyValueStore<String, ClientNetworks> store = requireNonNull(clientNetworks, "clientNetworks");
    SortedMap<Long, Set<String>> due = dueFrom.headMap(at + 1);
    Set<String> clients = new TreeSet<>();
    due.values().forEach(clients::addAll);
    due.clear();
    for (String clientId : clients) {
      ClientNetworks client = store.get(clientId);
      if (client == null) {
        continue;
      }
      List<Finding> findings = rules.settle(client, clientId, at);
      store.put(clientId, client);
      watchDeadlines(clientId, client);
      for (Finding finding : findings) {
        // Timed as the use that raised it.
        long raised = finding.evidence().lastSeen().toEpochMilli();
        emit(List.of(finding), new Record<>(clientId, clientId, raised));
      }
    }
  }

  /** Notes when the client's watched networks are next due. */
  private void watchDeadlines(String clientId, ClientNetworks client) {
    long next = client.nextDue(settings);
    if (next != Long.MAX_VALUE) {
      dueFrom.computeIfAbsent(next, k -> new TreeSet<>()).add(clientId);
    }
  }

  private ClientNetworks clientNetworks(String clientId, long at) {
    ClientNetworks client = requireNonNull(clientNetworks, "clientNetworks").get(clientId);
    return client == null || client.forgetAt(settings) < at ? new ClientNetworks() : client;
  }

  /**
   * The buffer key of {@code signal}: its event time (sorting as the bytes of the key do), its
   * kind, and what makes it unique (its event, its client).
   */
  static String bufferKey(ClientSignal signal) {
    String event;
    if (signal instanceof ClientSignal.UseCount count) {
      event = count.tally().lastEventId() + "|" + count.sourcePartition();
    } else if (signal instanceof ClientSignal.NewSource source) {
      event = source.use().eventId();
    } else if (signal instanceof ClientSignal.Issued issued) {
      event = issued.grant().eventId();
    } else if (signal instanceof ClientSignal.Refused refused) {
      event = refused.refusal().eventId();
    } else {
      throw new IllegalArgumentException("progress is not buffered");
    }
    return timeKey(signal.at())
        + requireNonNull(KIND_ORDER.get(signal.getClass()), "kind")
        + event
        + "|"
        + signal.clientId();
  }

  /** Epoch ms as 16 hex digits, sign bit flipped: sorts as the time does, negative times too. */
  private static String timeKey(long at) {
    return String.format("%016x", at ^ Long.MIN_VALUE);
  }
}
