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
import io.tokenwatch.anomaly.UseTally;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jspecify.annotations.Nullable;

/** The per-client rules over the client signals; purges the per-client state. */
final class ClientProcessor extends RuleProcessor<ClientSignal, Alert> {
  private final ClientRules rules;
  private final Duration punctuation;
  private @Nullable KeyValueStore<String, ClientWatch> clients;
  private @Nullable KeyValueStore<String, NetworkWatch> networks;
  private @Nullable KeyValueStore<String, ClientNetworks> clientNetworks;
  private @Nullable KeyValueStore<String, Long> progress;

  /**
   * Clients with watched networks, by when the earliest is due; rebuilt from the store at start. A
   * client may be listed under a deadline that passed unchanged: settling it then finds nothing.
   */
  private final TreeMap<Long, Set<String>> dueFrom = new TreeMap<>();

  /** The progress store's content, read once at start; the store stays the truth on restart. */
  private final Map<Integer, Long> sources = new HashMap<>();

  ClientProcessor(
      DetectionSettings settings, Alerter alerter, AnomalyMetrics metrics, Duration punctuation) {
    super(AnomalyTopology.CLIENT_INCIDENTS, Function.identity(), settings, alerter, metrics);
    this.rules = new ClientRules(settings);
    this.punctuation = punctuation;
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
    KeyValueStore<String, Long> progressStore =
        context.getStateStore(AnomalyTopology.CLIENT_PROGRESS);
    progress = progressStore;
    sources.clear();
    try (KeyValueIterator<String, Long> all = progressStore.all()) {
      all.forEachRemaining(kv -> sources.put(Integer.parseInt(kv.key), kv.value));
    }
    KeyValueStore<String, ClientNetworks> clientNetworkStore =
        context.getStateStore(AnomalyTopology.CLIENT_NETWORKS);
    clientNetworks = clientNetworkStore;
    purgeEvery(punctuation, clientStore, watch -> watch.forgetAt(settings));
    dueFrom.clear();
    try (KeyValueIterator<String, ClientNetworks> all = clientNetworkStore.all()) {
      all.forEachRemaining(kv -> watchDeadlines(kv.key, kv.value));
    }
    context.schedule(punctuation, PunctuationType.STREAM_TIME, this::settleQuiet);
    context.schedule(
        punctuation,
        PunctuationType.STREAM_TIME,
        streamTime -> purge(networkStore, network -> network.forgetAt(settings), streamTime));
  }

  @Override
  public void process(Record<String, ClientSignal> record) {
    KeyValueStore<String, ClientWatch> clientStore = requireNonNull(clients, "clients");
    ClientSignal signal = record.value();
    settleDue(signal.at(), record);
    ClientWatch watch = clientStore.get(signal.clientId());
    if (watch == null || watch.forgetAt(settings) < signal.at()) {
      watch = new ClientWatch();
    }
    List<Finding> findings;
    if (signal instanceof ClientSignal.UseCount count) {
      findings = counted(watch, count);
    } else if (signal instanceof ClientSignal.NewSource source) {
      findings = sourceSeen(source);
    } else if (signal instanceof ClientSignal.Issued issued) {
      findings = rules.issued(watch, issued.grant());
    } else if (signal instanceof ClientSignal.Refused refused) {
      findings = rules.refused(watch, refused.refusal());
    } else {
      throw new IllegalStateException("unknown client signal " + signal);
    }
    clientStore.put(signal.clientId(), watch);
    emit(findings, record);
  }

  /** USAGE_SPIKE, after noting how far the tally's source partition has come. */
  private List<Finding> counted(ClientWatch watch, ClientSignal.UseCount count) {
    UseTally tally = count.tally();
    int source = count.sourcePartition();
    Long reached = sources.get(source);
    if (reached == null || tally.bucket() > reached) {
      sources.put(source, tally.bucket());
      requireNonNull(progress, "progress").put(Integer.toString(source), tally.bucket());
    }
    return rules.used(watch, count.clientId(), tally, source, sources);
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
   * Decides the watched networks, of any client, due by {@code at} (event time): the signals of
   * every client on this task move time on, so a network is decided soon after its window even when
   * its own client went quiet.
   */
  private void settleDue(long at, Record<String, ?> trigger) {
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
      emit(findings, trigger);
    }
  }

  /** Notes when the client's watched networks are next due. */
  private void watchDeadlines(String clientId, ClientNetworks client) {
    long next = client.nextDue(settings);
    if (next != Long.MAX_VALUE) {
      dueFrom.computeIfAbsent(next, k -> new TreeSet<>()).add(clientId);
    }
  }

  /** Decides the watched networks when no signal moves time on: by stream time. */
  private void settleQuiet(long streamTime) {
    settleDue(streamTime, new Record<>("", "", streamTime));
  }

  private ClientNetworks clientNetworks(String clientId, long at) {
    ClientNetworks client = requireNonNull(clientNetworks, "clientNetworks").get(clientId);
    return client == null || client.forgetAt(settings) < at ? new ClientNetworks() : client;
  }
}
