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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.streams.KeyValue;
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
    context.schedule(punctuation, PunctuationType.STREAM_TIME, this::settleDue);
    context.schedule(
        punctuation,
        PunctuationType.STREAM_TIME,
        streamTime -> purge(networkStore, network -> network.forgetAt(settings), streamTime));
  }

  @Override
  public void process(Record<String, ClientSignal> record) {
    KeyValueStore<String, ClientWatch> clientStore = requireNonNull(clients, "clients");
    ClientSignal signal = record.value();
    ClientWatch watch = clientStore.get(signal.clientId());
    if (watch == null || watch.forgetAt(settings) < signal.at()) {
      watch = new ClientWatch();
    }
    List<Finding> findings;
    if (signal instanceof ClientSignal.UseCount count) {
      findings = withSettled(signal, counted(watch, count));
    } else if (signal instanceof ClientSignal.NewSource source) {
      findings = sourceSeen(source);
    } else if (signal instanceof ClientSignal.Issued issued) {
      findings = withSettled(signal, rules.issued(watch, issued.grant()));
    } else if (signal instanceof ClientSignal.Refused refused) {
      findings = withSettled(signal, rules.refused(watch, refused.refusal()));
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
    List<Finding> findings = rules.sourceSeen(network, client, clientId, subject, source.use());
    networkStore.put(key, network);
    requireNonNull(clientNetworks, "clientNetworks").put(clientId, client);
    return findings;
  }

  /** {@code findings}, after those of the client's watched networks due by the signal's time. */
  private List<Finding> withSettled(ClientSignal signal, List<Finding> findings) {
    KeyValueStore<String, ClientNetworks> store = requireNonNull(clientNetworks, "clientNetworks");
    ClientNetworks client = store.get(signal.clientId());
    if (client == null || !client.hasDue(signal.at(), settings)) {
      return findings;
    }
    List<Finding> all = new ArrayList<>(rules.settle(client, signal.clientId(), signal.at()));
    all.addAll(findings);
    store.put(signal.clientId(), client);
    return all;
  }

  /** Decides the watched networks of clients that went quiet, by stream time. */
  private void settleDue(long streamTime) {
    KeyValueStore<String, ClientNetworks> store = requireNonNull(clientNetworks, "clientNetworks");
    List<KeyValue<String, ClientNetworks>> due = new ArrayList<>();
    try (KeyValueIterator<String, ClientNetworks> all = store.all()) {
      while (all.hasNext()) {
        KeyValue<String, ClientNetworks> next = all.next();
        if (next.value != null && next.value.hasDue(streamTime, settings)) {
          due.add(next);
        }
      }
    }
    for (KeyValue<String, ClientNetworks> client : due) {
      List<Finding> findings = rules.settle(client.value, client.key, streamTime);
      store.put(client.key, client.value);
      emit(findings, new Record<>(client.key, client.value, streamTime));
    }
  }

  private ClientNetworks clientNetworks(String clientId, long at) {
    ClientNetworks client = requireNonNull(clientNetworks, "clientNetworks").get(clientId);
    return client == null || client.forgetAt(settings) < at ? new ClientNetworks() : client;
  }
}
