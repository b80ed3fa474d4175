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
import io.tokenwatch.anomaly.UseTally;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
  abstract static class RuleProcessor<V> implements Processor<String, V, String, Object> {

    private final String incidentsStore;
    final DetectionSettings settings;
    final Alerter alerter;
    final AnomalyMetrics metrics;
    @Nullable ProcessorContext<String, Object> context;
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
    public void init(ProcessorContext<String, Object> context) {
      this.context = context;
      this.incidents = context.getStateStore(incidentsStore);
    }

    final ProcessorContext<String, Object> ctx() {
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

  /** {@code tokenwatch.token-issued} into the per-token state. */
  static final class TokenIssuedProcessor extends RuleProcessor<TokenIssued> {
    private final TokenRules rules;
    private @Nullable KeyValueStore<String, TokenWatch> tokens;

    TokenIssuedProcessor(DetectionSettings settings, Alerter alerter, AnomalyMetrics metrics) {
      super(AnomalyTopology.TOKEN_INCIDENTS, settings, alerter, metrics);
      this.rules = new TokenRules(settings);
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
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
    public void init(ProcessorContext<String, Object> context) {
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

  /**
   * {@code tokenwatch.token-used}: the per-token rules; purges the per-token state. Forwards alerts
   * ({@link Alert}) and, keyed by the token's client, what the per-client rules need ({@link
   * Signals.ClientSignal}): a use from a source address new for the token (the source-network
   * rule), and the client's uses on this partition in tallies (the usage rate).
   */
  static final class TokenUsedProcessor extends RuleProcessor<TokenUsed> {
    private final TokenRules rules;
    private final Duration punctuation;
    private @Nullable KeyValueStore<String, TokenWatch> tokens;
    private @Nullable KeyValueStore<String, UseTally> tallies;

    /** Clients with a tally in the store; rebuilt from the store at start. */
    private final Set<String> open = new HashSet<>();

    private int partition = -1;

    TokenUsedProcessor(
        DetectionSettings settings, Alerter alerter, AnomalyMetrics metrics, Duration punctuation) {
      super(AnomalyTopology.TOKEN_INCIDENTS, settings, alerter, metrics);
      this.rules = new TokenRules(settings);
      this.punctuation = punctuation;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
      super.init(context);
      KeyValueStore<String, TokenWatch> store = context.getStateStore(AnomalyTopology.TOKEN_WATCH);
      tokens = store;
      KeyValueStore<String, UseTally> tallyStore =
          context.getStateStore(AnomalyTopology.CLIENT_TALLIES);
      tallies = tallyStore;
      partition = context.taskId().partition();
      open.clear();
      try (KeyValueIterator<String, UseTally> all = tallyStore.all()) {
        all.forEachRemaining(kv -> open.add(kv.key));
      }
      purgeEvery(punctuation, store, watch -> watch.forgetAt(settings));
      // Tallies of clients whose uses stopped on this partition are handed on by stream time.
      context.schedule(settings.tallyPeriod(), PunctuationType.STREAM_TIME, this::handOnIdle);
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
      boolean newSource = use.sourceAddress() != null && !watch.knowsSource(use.sourceAddress());
      List<Finding> findings = rules.used(watch, use);
      store.put(use.tokenId(), watch);
      emit(findings, record);
      String client = record.value().getTokenClientId();
      if (client == null || client.isBlank()) {
        return;
      }
      if (newSource && use.subject() != null) {
        ctx()
            .forward(
                record.withKey(client).withValue(Signals.ClientSignal.of(client, use, partition)));
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
              new Record<String, Object>(
                  client, Signals.ClientSignal.of(client, tally, partition), timestamp));
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
    public void init(ProcessorContext<String, Object> context) {
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
        case USE_TALLY -> {
          UseTally tally = signal.tally();
          int source = signal.sourcePartition();
          Long reached = sources.get(source);
          if (reached == null || tally.bucket() > reached) {
            sources.put(source, tally.bucket());
            requireNonNull(progress, "progress").put(Integer.toString(source), tally.bucket());
          }
          findings.addAll(rules.used(watch, signal.clientId(), tally, source, sources));
        }
        case USE -> {
          String subject = signal.subject();
          if (subject != null && signal.sourceAddress() != null) {
            KeyValueStore<String, NetworkWatch> networkStore = requireNonNull(networks, "networks");
            String key = signal.clientId().length() + ":" + signal.clientId() + subject;
            NetworkWatch network = networkStore.get(key);
            if (network == null || network.forgetAt(settings) < at) {
              network = new NetworkWatch();
            }
            findings.addAll(rules.sourceSeen(network, signal.clientId(), subject, signal.use()));
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
    public void init(ProcessorContext<String, Object> context) {
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
