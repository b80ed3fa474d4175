package io.tokenwatch.anomaly.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.anomaly.Alert;
import io.tokenwatch.anomaly.Alerter;
import io.tokenwatch.anomaly.ClientRules;
import io.tokenwatch.anomaly.ClientWatch;
import io.tokenwatch.anomaly.DetectionSettings;
import io.tokenwatch.anomaly.Finding;
import io.tokenwatch.anomaly.GrantRules;
import io.tokenwatch.anomaly.GrantWatch;
import io.tokenwatch.anomaly.NetworkWatch;
import io.tokenwatch.anomaly.TokenGrant;
import io.tokenwatch.anomaly.TokenRules;
import io.tokenwatch.anomaly.TokenUse;
import io.tokenwatch.anomaly.TokenWatch;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToLongFunction;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jspecify.annotations.Nullable;

/**
 * The processors applying the rules. Each reads its state from the named stores, lets the domain
 * rules update it, writes it back, and forwards the alerts that survive suppression. State past its
 * forget time (event time) is treated as absent when read, and dropped by a stream-time
 * punctuation, so when the punctuation runs changes no alert.
 */
final class Processors {

  private Processors() {}

  /** The shared part: the incident ledger, alerting and the alerts forwarded. */
  abstract static class RuleProcessor<V> implements Processor<String, V, String, Alert> {

    private final String incidentsStore;
    final DetectionSettings settings;
    final Alerter alerter;
    final AnomalyMetrics metrics;
    @Nullable ProcessorContext<String, Alert> context;
    @Nullable KeyValueStore<String, Long> incidents;

    RuleProcessor(
        String incidentsStore,
        DetectionSettings settings,
        Alerter alerter,
        AnomalyMetrics metrics) {
      this.incidentsStore = incidentsStore;
      this.settings = settings;
      this.alerter = alerter;
      this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, Alert> context) {
      this.context = context;
      this.incidents = context.getStateStore(incidentsStore);
    }

    final ProcessorContext<String, Alert> ctx() {
      return requireNonNull(context, "context");
    }

    final void emit(List<Finding> findings, Record<String, ?> trigger) {
      KeyValueStore<String, Long> ledgerStore = requireNonNull(incidents, "incidents");
      Alerter.Ledger ledger =
          new Alerter.Ledger() {
            @Override
            public @Nullable Long lastFinding(String incident) {
              return ledgerStore.get(incident);
            }

            @Override
            public void recordFinding(String incident, long at) {
              ledgerStore.put(incident, at);
            }
          };
      for (Finding finding : findings) {
        Optional<Alert> alert = alerter.raise(finding, ledger);
        if (alert.isEmpty()) {
          metrics.suppressed(finding.rule());
          continue;
        }
        Alert raised = alert.get();
        metrics.alertRaised(raised.rule(), raised.severity(), raised.autoResponse() != null);
        ctx().forward(new Record<>(AlertRecords.key(raised), raised, trigger.timestamp()));
      }
    }

    /** Schedules the stream-time purge of {@code store} and of the incident ledger. */
    final <S> void purgeEvery(
        Duration interval, KeyValueStore<String, S> store, ToLongFunction<S> forgetAt) {
      KeyValueStore<String, Long> ledgerStore = requireNonNull(incidents, "incidents");
      ctx()
          .schedule(
              interval,
              PunctuationType.STREAM_TIME,
              streamTime -> {
                purge(store, forgetAt, streamTime);
                purge(ledgerStore, alerter::forgetAt, streamTime);
              });
    }

    private static <S> void purge(
        KeyValueStore<String, S> store, ToLongFunction<S> forgetAt, long streamTime) {
      List<String> expired = new ArrayList<>();
      try (KeyValueIterator<String, S> all = store.all()) {
        while (all.hasNext()) {
          KeyValue<String, S> next = all.next();
          if (next.value != null && forgetAt.applyAsLong(next.value) < streamTime) {
            expired.add(next.key);
          }
        }
      }
      expired.forEach(store::delete);
    }
  }

  /** Reads a token's watch, treating one past its forget time as absent. */
  static TokenWatch tokenWatch(
      KeyValueStore<String, TokenWatch> store,
      String tokenId,
      Instant now,
      DetectionSettings settings) {
    TokenWatch watch = store.get(tokenId);
    return watch == null || watch.forgetAt(settings) < now.toEpochMilli()
        ? new TokenWatch()
        : watch;
  }

  /** Re-keys uses by the token's client, noting the partition each came from. */
  static final class UseSignals
      implements Processor<String, TokenUsed, String, Signals.ClientSignal> {
    private @Nullable ProcessorContext<String, Signals.ClientSignal> context;

    @Override
    public void init(ProcessorContext<String, Signals.ClientSignal> context) {
      this.context = context;
    }

    @Override
    public void process(Record<String, TokenUsed> record) {
      ProcessorContext<String, Signals.ClientSignal> ctx = requireNonNull(context, "context");
      TokenUse use = Events.use(record.value());
      String client = record.value().getTokenClientId();
      if (use == null || client == null || client.isBlank()) {
        return;
      }
      int partition = ctx.recordMetadata().map(m -> m.partition()).orElse(-1);
      ctx.forward(
          record.withKey(client).withValue(Signals.ClientSignal.of(client, use, partition)));
    }
  }

  /** {@code tokenwatch.token-issued} into the per-token state. */
  static final class TokenIssuedProcessor extends RuleProcessor<TokenIssued> {
    private final TokenRules rules;
    private @Nullable KeyValueStore<String, TokenWatch> tokens;

    TokenIssuedProcessor(DetectionSettings settings, Alerter alerter, AnomalyMetrics metrics) {
      super(AnomalyTopology.TOKEN_INCIDENTS, settings, alerter, metrics);
      this.rules = new TokenRules(settings);
    }

    @Override
    public void init(ProcessorContext<String, Alert> context) {
      super.init(context);
      tokens = context.getStateStore(AnomalyTopology.TOKEN_WATCH);
    }

    @Override
    public void process(Record<String, TokenIssued> record) {
      KeyValueStore<String, TokenWatch> store = requireNonNull(tokens, "tokens");
      TokenGrant grant = Events.grant(record.value());
      TokenWatch watch = tokenWatch(store, grant.tokenId(), grant.at(), settings);
      rules.issued(watch, grant);
      store.put(grant.tokenId(), watch);
      metrics.evaluated("token-issued", grant.at().toEpochMilli());
    }
  }

  /** Revocations of one token (re-keyed by token id) into the per-token state. */
  static final class TokenRevokedProcessor extends RuleProcessor<String> {
    private final TokenRules rules;
    private @Nullable KeyValueStore<String, TokenWatch> tokens;

    TokenRevokedProcessor(DetectionSettings settings, Alerter alerter, AnomalyMetrics metrics) {
      super(AnomalyTopology.TOKEN_INCIDENTS, settings, alerter, metrics);
      this.rules = new TokenRules(settings);
    }

    @Override
    public void init(ProcessorContext<String, Alert> context) {
      super.init(context);
      tokens = context.getStateStore(AnomalyTopology.TOKEN_WATCH);
    }

    /** The value is {@code <event id> <occurred_at ms>}. */
    @Override
    public void process(Record<String, String> record) {
      KeyValueStore<String, TokenWatch> store = requireNonNull(tokens, "tokens");
      String value = record.value();
      int space = value.lastIndexOf(' ');
      String eventId = value.substring(0, space);
      Instant at = Instant.ofEpochMilli(Long.parseLong(value.substring(space + 1)));
      TokenWatch watch = tokenWatch(store, record.key(), at, settings);
      rules.revoked(watch, eventId, at);
      store.put(record.key(), watch);
      metrics.evaluated("revocations", at.toEpochMilli());
    }
  }

  /** {@code tokenwatch.token-used}: the per-token rules; purges the per-token state. */
  static final class TokenUsedProcessor extends RuleProcessor<TokenUsed> {
    private final TokenRules rules;
    private final Duration punctuation;
    private @Nullable KeyValueStore<String, TokenWatch> tokens;

    TokenUsedProcessor(
        DetectionSettings settings, Alerter alerter, AnomalyMetrics metrics, Duration punctuation) {
      super(AnomalyTopology.TOKEN_INCIDENTS, settings, alerter, metrics);
      this.rules = new TokenRules(settings);
      this.punctuation = punctuation;
    }

    @Override
    public void init(ProcessorContext<String, Alert> context) {
      super.init(context);
      KeyValueStore<String, TokenWatch> store = context.getStateStore(AnomalyTopology.TOKEN_WATCH);
      tokens = store;
      purgeEvery(punctuation, store, watch -> watch.forgetAt(settings));
    }

    @Override
    public void process(Record<String, TokenUsed> record) {
      KeyValueStore<String, TokenWatch> store = requireNonNull(tokens, "tokens");
      TokenUse use = Events.use(record.value());
      metrics.evaluated("token-used", record.value().getOccurredAt().toEpochMilli());
      if (use == null) {
        return;
      }
      TokenWatch watch = tokenWatch(store, use.tokenId(), use.at(), settings);
      List<Finding> findings = rules.used(watch, use);
      store.put(use.tokenId(), watch);
      emit(findings, record);
    }
  }

  /** The per-client rules over the client signals; purges the per-client state. */
  static final class ClientProcessor extends RuleProcessor<Signals.ClientSignal> {
    private final ClientRules rules;
    private final Duration punctuation;
    private @Nullable KeyValueStore<String, ClientWatch> clients;
    private @Nullable KeyValueStore<String, NetworkWatch> networks;
    private @Nullable KeyValueStore<String, Long> progress;

    /** The progress store's content, read once at start; the store stays the truth on restart. */
    private final Map<Integer, Long> sources = new HashMap<>();

    ClientProcessor(
        DetectionSettings settings, Alerter alerter, AnomalyMetrics metrics, Duration punctuation) {
      super(AnomalyTopology.CLIENT_INCIDENTS, settings, alerter, metrics);
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
      purgeEvery(punctuation, clientStore, watch -> watch.forgetAt(settings));
      context.schedule(
          punctuation,
          PunctuationType.STREAM_TIME,
          streamTime -> {
            List<String> expired = new ArrayList<>();
            try (KeyValueIterator<String, NetworkWatch> all = networkStore.all()) {
              while (all.hasNext()) {
                KeyValue<String, NetworkWatch> next = all.next();
                if (next.value != null && next.value.forgetAt(settings) < streamTime) {
                  expired.add(next.key);
                }
              }
            }
            expired.forEach(networkStore::delete);
          });
    }

    @Override
    public void process(Record<String, Signals.ClientSignal> record) {
      KeyValueStore<String, ClientWatch> clientStore = requireNonNull(clients, "clients");
      Signals.ClientSignal signal = record.value();
      long at = signal.at();
      ClientWatch watch = clientStore.get(signal.clientId());
      if (watch == null || watch.forgetAt(settings) < at) {
        watch = new ClientWatch();
      }
      List<Finding> findings = new ArrayList<>(1);
      switch (signal.kind()) {
        case USE -> {
          TokenUse use = signal.use();
          int source = signal.sourcePartition();
          long bucket = Math.floorDiv(at, settings.spikeBucket().toMillis());
          Long reached = sources.get(source);
          if (reached == null || bucket > reached) {
            sources.put(source, bucket);
            requireNonNull(progress, "progress").put(Integer.toString(source), bucket);
          }
          findings.addAll(rules.used(watch, signal.clientId(), use, source, sources));
          String subject = signal.subject();
          if (subject != null && signal.sourceAddress() != null) {
            KeyValueStore<String, NetworkWatch> networkStore = requireNonNull(networks, "networks");
            String key = signal.clientId().length() + ":" + signal.clientId() + subject;
            NetworkWatch network = networkStore.get(key);
            if (network == null || network.forgetAt(settings) < at) {
              network = new NetworkWatch();
            }
            findings.addAll(rules.sourceSeen(network, signal.clientId(), subject, use));
            networkStore.put(key, network);
          }
        }
        case ISSUED -> findings.addAll(rules.issued(watch, signal.grant()));
        case REFUSED -> findings.addAll(rules.refused(watch, signal.refusal()));
        case REUSE_REVOKED -> {
          // not a client signal
        }
      }
      clientStore.put(signal.clientId(), watch);
      emit(findings, record);
    }
  }

  /** REFRESH_TOKEN_REUSE over the grant signals; purges the per-grant state. */
  static final class GrantProcessor extends RuleProcessor<Signals.GrantSignal> {
    private final GrantRules rules = new GrantRules();
    private final Duration punctuation;
    private @Nullable KeyValueStore<String, GrantWatch> grants;

    GrantProcessor(
        DetectionSettings settings, Alerter alerter, AnomalyMetrics metrics, Duration punctuation) {
      super(AnomalyTopology.GRANT_INCIDENTS, settings, alerter, metrics);
      this.punctuation = punctuation;
    }

    @Override
    public void init(ProcessorContext<String, Alert> context) {
      super.init(context);
      KeyValueStore<String, GrantWatch> store = context.getStateStore(AnomalyTopology.GRANT_WATCH);
      grants = store;
      purgeEvery(punctuation, store, watch -> watch.forgetAt(settings));
    }

    @Override
    public void process(Record<String, Signals.GrantSignal> record) {
      KeyValueStore<String, GrantWatch> store = requireNonNull(grants, "grants");
      Signals.GrantSignal signal = record.value();
      GrantWatch watch = store.get(signal.grantId());
      if (watch == null || watch.forgetAt(settings) < signal.at()) {
        watch = new GrantWatch();
      }
      List<Finding> findings = List.of();
      if (signal.kind() == Signals.Kind.ISSUED) {
        rules.issued(
            watch,
            new TokenGrant(
                signal.eventId(),
                Instant.ofEpochMilli(signal.at()),
                signal.tokenId() == null ? "" : signal.tokenId(),
                signal.subject() == null ? "" : signal.subject(),
                signal.clientId() == null ? "" : signal.clientId(),
                signal.grantId(),
                List.of(),
                Instant.ofEpochMilli(signal.expiresAt()),
                null,
                null));
      } else if (signal.kind() == Signals.Kind.REUSE_REVOKED) {
        findings =
            rules.reuseRevoked(
                watch,
                signal.grantId(),
                signal.eventId(),
                Instant.ofEpochMilli(signal.at()),
                signal.requestedBy() == null ? "" : signal.requestedBy(),
                signal.detail());
        metrics.evaluated("revocation-requests", signal.at());
      }
      store.put(signal.grantId(), watch);
      emit(findings, record);
    }
  }
}
