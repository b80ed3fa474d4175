package io.tokenwatch.anomaly.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.anomaly.Alert;
import io.tokenwatch.anomaly.Alerter;
import io.tokenwatch.anomaly.AutoResponsePolicy;
import io.tokenwatch.anomaly.DetectionSettings;
import io.tokenwatch.anomaly.Evidence;
import io.tokenwatch.anomaly.Finding;
import io.tokenwatch.anomaly.Rule;
import io.tokenwatch.anomaly.kafka.ClientSignal.SourceKind;
import io.tokenwatch.anomaly.scenarios.EventFactory;
import io.tokenwatch.anomaly.scenarios.Input;
import io.tokenwatch.events.GrantType;
import io.tokenwatch.events.IssuanceDenied;
import io.tokenwatch.events.IssuanceDenyReason;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.schemas.topic.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * Deterministic per-client rules, over the real processors in {@link MockProcessorContext}s: one
 * generated history of issuances, uses and refusals over several source partitions (baselines,
 * usage spikes, new networks, broader grants, refusal bursts) goes through the source processors,
 * each partition in its own order with punctuations at random points, and ends as a replay ends;
 * the per-client rules then raise the same alerts, in the same order, whether their input arrives
 * sorted by event time or in any interleaving of the source partitions, and whichever range of the
 * history a replay starts from, for what starts after it has learned.
 */
class ClientOrderPropertyTest {

  private static final Instant T0 = Instant.parse("2030-03-01T00:00:00Z");
  private static final long LATENESS_MS = 2_000;
  private static final Duration MINUTES = Duration.ofMinutes(40);
  private static final Duration LEARNING = Duration.ofMinutes(5);
  private static final Serde<ClientSignal> WIRE = SignalSerdes.clientSignal();

  private final AnomalyDetectorConfig config =
      AnomalyDetectorConfig.of(
          Map.ofEntries(
              Map.entry(AnomalyDetectorConfig.BOOTSTRAP_SERVERS, "unused:9092"),
              Map.entry(AnomalyDetectorConfig.SCHEMA_REGISTRY_URL, "http://unused:8081"),
              Map.entry(AnomalyDetectorConfig.SUPPRESSION_MS, 60_000),
              Map.entry(AnomalyDetectorConfig.SPIKE_BUCKET_MS, 60_000),
              Map.entry(AnomalyDetectorConfig.SPIKE_MIN_HISTORY, 3),
              Map.entry(AnomalyDetectorConfig.SPIKE_MIN_COUNT, 20),
              Map.entry(AnomalyDetectorConfig.SPIKE_FACTOR, 3.0),
              Map.entry(AnomalyDetectorConfig.SPIKE_TALLY_USES, 5),
              Map.entry(AnomalyDetectorConfig.SPIKE_TALLY_MS, 1_000),
              Map.entry(AnomalyDetectorConfig.NETWORK_LEARNING_MS, LEARNING.toMillis()),
              Map.entry(AnomalyDetectorConfig.SCOPE_LEARNING_MS, LEARNING.toMillis()),
              Map.entry(AnomalyDetectorConfig.REFUSALS_COUNT, 2),
              Map.entry(AnomalyDetectorConfig.SCOPE_WINDOW_MS, 120_000),
              Map.entry(AnomalyDetectorConfig.ALLOWED_LATENESS_MS, LATENESS_MS)));

  private final DetectionSettings settings = config.settings();
  private final Alerter alerter = new Alerter(settings, AutoResponsePolicy.OFF);

  @Property(tries = 25)
  void shouldRaiseTheSameClientAlertsHoweverTheSourcePartitionsInterleave(
      @ForAll @IntRange(min = 2, max = 4) int partitions,
      @ForAll long historySeed,
      @ForAll long deliverySeed) {
    List<Input> history = history(historySeed, T0);
    Random delivery = new Random(deliverySeed);
    Map<String, List<ClientSignal>> bySource = sourceSignals(history, partitions, delivery);

    List<Alert> sorted = clientAlerts(timeSorted(bySource), partitions, delivery);
    List<Alert> interleaved = clientAlerts(interleaving(bySource, delivery), partitions, delivery);

    assertThat(rules(sorted))
        .as("the history raises every per-client rule")
        .contains(Rule.USAGE_SPIKE, Rule.UNFAMILIAR_CLIENT, Rule.SCOPE_ESCALATION);
    assertThat(described(interleaved)).isEqualTo(described(sorted));
  }

  /**
   * The history the property above once generated with its stranger in minute 36 of 40, too late
   * for the new network to be confirmed before the history ended.
   */
  @Example
  void shouldRaiseEveryPerClientRuleForTheHistoryThatOnceMissedOne() {
    shouldRaiseTheSameClientAlertsHoweverTheSourcePartitionsInterleave(2, 105_840L, 0L);
  }

  @Property(tries = 15)
  void shouldRaiseTheFullRunsAlertsForWhatStartsOnceAReplayFromAnyCutHasLearned(
      @ForAll @IntRange(min = 2, max = 4) int partitions,
      @ForAll long historySeed,
      @ForAll @LongRange(min = 0, max = 12 * 60) long cutSeconds,
      @ForAll long deliverySeed) {
    List<Input> history = history(historySeed, T0);
    Instant cut = T0.plusSeconds(cutSeconds);
    // Learning, the baseline buckets, the refusal window and suppression all fit in this.
    Instant learned = cut.plus(LEARNING).plus(Duration.ofMinutes(4));
    Random delivery = new Random(deliverySeed);

    List<Alert> full =
        clientAlerts(
            interleaving(sourceSignals(history, partitions, delivery), delivery),
            partitions,
            delivery);
    List<Input> fromCut = history.stream().filter(i -> !i.at().isBefore(cut)).toList();
    List<Alert> replay =
        clientAlerts(
            interleaving(sourceSignals(fromCut, partitions, delivery), delivery),
            partitions,
            delivery);

    assertThat(described(startingFrom(replay, learned)))
        .isEqualTo(described(startingFrom(full, learned)));
  }

  // the history

  /**
   * Forty minutes of two or three clients, each acting for two subjects from its own network: a
   * token per subject every two minutes, a few uses a minute; then, after the learning time, a
   * usage spike, a use from an unknown network, a grant of a scope never granted, two refusals for
   * scopes beyond policy and one token exchange asking more than its parent.
   */
  private static List<Input> history(long seed, Instant start) {
    Random random = new Random(seed);
    EventFactory events = new EventFactory(seed);
    List<Input> inputs = new ArrayList<>();
    int clients = 2 + random.nextInt(2);
    long minutes = MINUTES.toMinutes();
    for (int c = 0; c < clients; c++) {
      String client = "client-" + c;
      int spikeMinute = 12 + random.nextInt(20);
      // Early enough that the new network is confirmed (5 minutes by default) before the history
      // ends: a stranger in minute 36 of 40 could never raise its alert.
      int strangerMinute = 7 + random.nextInt(25);
      int broaderMinute = 7 + random.nextInt(30);
      int refusalMinute = 7 + random.nextInt(30);
      int perMinute = 2 + random.nextInt(3);
      for (int s = 0; s < 2; s++) {
        String subject = "subject-" + c + "-" + s;
        for (int round = 0; round * 2L < minutes; round++) {
          String token = client + "-" + subject + "-t" + round;
          Instant issuedAt = start.plus(Duration.ofMinutes(round * 2L)).plusMillis(s * 7L);
          inputs.add(
              events.issued(
                  token,
                  subject,
                  client,
                  "grant-" + subject,
                  List.of("orders:read"),
                  issuedAt,
                  Duration.ofMinutes(15),
                  null,
                  GrantType.CLIENT_CREDENTIALS));
          for (long minute = round * 2L; minute < round * 2L + 2; minute++) {
            int uses = perMinute * (minute == spikeMinute && s == 0 ? 12 : 1);
            for (int u = 0; u < uses; u++) {
              Instant at =
                  issuedAt
                      .plus(Duration.ofMinutes(minute - round * 2L))
                      .plusMillis(1 + random.nextInt(59_000));
              String address = "10." + c + "." + s + "." + (1 + random.nextInt(200));
              inputs.add(use(events, token, subject, client, at, address));
            }
            if (minute == strangerMinute && s == 1) {
              Instant at = start.plus(Duration.ofMinutes(minute)).plusSeconds(30);
              inputs.add(use(events, token, subject, client, at, "203.0.113." + (10 + c)));
            }
          }
        }
        if (s == 0) {
          inputs.add(
              events.issued(
                  client + "-broader",
                  subject,
                  client,
                  "grant-" + subject,
                  List.of("orders:read", "orders:write"),
                  start.plus(Duration.ofMinutes(broaderMinute)).plusSeconds(3),
                  Duration.ofMinutes(15),
                  null,
                  GrantType.CLIENT_CREDENTIALS));
        }
      }
      Instant refusedAt = start.plus(Duration.ofMinutes(refusalMinute));
      for (int r = 0; r < 2; r++) {
        inputs.add(
            events.denied(
                client,
                "subject-" + c + "-0",
                IssuanceDenyReason.SCOPE_NOT_APPROVED,
                GrantType.CLIENT_CREDENTIALS,
                List.of("orders:read", "admin"),
                List.of("orders:read"),
                null,
                refusedAt.plusSeconds(20L * r)));
      }
      inputs.add(
          events.denied(
              client,
              "subject-" + c + "-1",
              IssuanceDenyReason.DELEGATION_WIDENS_SCOPE,
              GrantType.TOKEN_EXCHANGE,
              List.of("orders:read", "orders:write"),
              List.of("orders:read"),
              "grant-subject-" + c + "-1",
              refusedAt.plusSeconds(90)));
    }
    inputs.sort(Comparator.comparing(Input::at));
    // Each partition's log is its order: mostly by time, now and then swapped within the lateness.
    for (int i = 1; i < inputs.size(); i++) {
      if (random.nextInt(5) == 0
          && inputs.get(i).at().toEpochMilli() - inputs.get(i - 1).at().toEpochMilli()
              < LATENESS_MS) {
        inputs.set(i - 1, inputs.set(i, inputs.get(i - 1)));
      }
    }
    return inputs;
  }

  private static Input use(
      EventFactory events,
      String token,
      String subject,
      String client,
      Instant at,
      String address) {
    return events.used(
        new EventFactory.Use(token, subject, client, at)
            .from(address)
            .scopes(List.of("orders:read"), List.of("orders:read"))
            .token(at.plus(Duration.ofMinutes(15)), "grant-" + subject));
  }

  // the sources

  /**
   * Runs the source processors of each partition over its events in the history's order, with
   * stream-time punctuations at random points; then ends each partition as a replay does. Returns
   * what each source sent, in order, through the wire format of the repartition topic, by {@code
   * <kind>:<partition>}.
   */
  private Map<String, List<ClientSignal>> sourceSignals(
      List<Input> history, int partitions, Random random) {
    Map<String, List<ClientSignal>> bySource = new TreeMap<>();
    for (int p = 0; p < partitions; p++) {
      int partition = p;
      List<Input> own =
          history.stream().filter(i -> partition(i, partitions) == partition).toList();
      Sources sources = sources(partitions);
      Map<String, KeyValueStore<String, ?>> stores = new LinkedHashMap<>();
      MockProcessorContext<String, TokenOutput> usedContext = context(partition);
      register(usedContext, stores, AnomalyTopology.TOKEN_WATCH, StateSerdes.tokenWatch());
      register(usedContext, stores, AnomalyTopology.TOKEN_INCIDENTS, StateSerdes.incident());
      register(usedContext, stores, AnomalyTopology.CLIENT_TALLIES, StateSerdes.useTally());
      register(usedContext, stores, AnomalyTopology.CLIENT_SHAPE, StateSerdes.clientShape());
      register(usedContext, stores, AnomalyTopology.SOURCE_PROGRESS, Serdes.Long());
      TokenUsedProcessor used =
          new TokenUsedProcessor(
              settings, alerter, AnomalyMetrics.NONE, Duration.ofMinutes(1), sources);
      used.init(usedContext);
      MockProcessorContext<String, ClientSignal> issuedContext = context(partition);
      share(issuedContext, stores);
      ClientSourceProcessor<TokenIssued> issued =
          new ClientSourceProcessor<>(
              SourceKind.ISSUED,
              event -> ClientSignal.Issued.of(Events.grant(event)),
              sources,
              AnomalyMetrics.NONE);
      issued.init(issuedContext);
      MockProcessorContext<String, ClientSignal> deniedContext = context(partition);
      share(deniedContext, stores);
      ClientSourceProcessor<IssuanceDenied> denied =
          new ClientSourceProcessor<>(
              SourceKind.REFUSED,
              event -> new ClientSignal.Refused(Events.refusal(event)),
              sources,
              AnomalyMetrics.NONE);
      denied.init(deniedContext);

      long newest = 0;
      for (Input input : own) {
        long at = input.at().toEpochMilli();
        newest = Math.max(newest, at);
        if (input.topic().equals(Topics.TOKEN_USED.name())) {
          used.process(new Record<>(input.key(), (TokenUsed) input.value(), at));
        } else if (input.topic().equals(Topics.TOKEN_ISSUED.name())) {
          issued.process(new Record<>(input.key(), (TokenIssued) input.value(), at));
        } else {
          denied.process(new Record<>(input.key(), (IssuanceDenied) input.value(), at));
        }
        for (MockProcessorContext<String, ?> context :
            List.of(usedContext, issuedContext, deniedContext)) {
          if (random.nextInt(4) == 0) {
            punctuate(context, newest);
          }
        }
        collect(usedContext, SourceKind.USE, partition, bySource);
        collect(issuedContext, SourceKind.ISSUED, partition, bySource);
        collect(deniedContext, SourceKind.REFUSED, partition, bySource);
      }
      MockProcessorContext<String, ClientSignal> endContext = context(partition);
      share(endContext, stores);
      ReplayEndProcessor end = new ReplayEndProcessor(sources);
      end.init(endContext);
      end.process(new Record<>("end", "end", newest));
      for (var forward : endContext.forwarded()) {
        ClientSignal signal = forward.record().value();
        SourceKind kind =
            signal instanceof ClientSignal.Progress progress ? progress.kind() : SourceKind.USE;
        bySource.computeIfAbsent(kind + ":" + partition, k -> new ArrayList<>()).add(wire(signal));
      }
    }
    return bySource;
  }

  private Sources sources(int partitions) {
    return new Sources(
        new AnomalyTopology.SourcePartitions(partitions, partitions, partitions),
        LATENESS_MS,
        0,
        Duration.ofSeconds(10),
        new TaskActivity());
  }

  private static int partition(Input input, int partitions) {
    return ClientSignalPartitioner.partition(input.key(), partitions);
  }

  private static void collect(
      MockProcessorContext<String, ?> context,
      SourceKind kind,
      int partition,
      Map<String, List<ClientSignal>> bySource) {
    for (var forward : context.forwarded()) {
      Object value = forward.record().value();
      ClientSignal signal =
          value instanceof TokenOutput output
              ? output.signals().stream().findFirst().orElse(null)
              : (ClientSignal) value;
      if (signal != null) {
        bySource.computeIfAbsent(kind + ":" + partition, k -> new ArrayList<>()).add(wire(signal));
      }
    }
    context.resetForwards();
  }

  private static ClientSignal wire(ClientSignal signal) {
    return WIRE.deserializer()
        .deserialize("signals", WIRE.serializer().serialize("signals", signal));
  }

  // the per-client rules

  /** The alerts of one task of the per-client rules fed {@code feed}, purging at random points. */
  private List<Alert> clientAlerts(List<ClientSignal> feed, int partitions, Random random) {
    MockProcessorContext<String, Alert> context = context(0);
    Map<String, KeyValueStore<String, ?>> stores = new LinkedHashMap<>();
    register(context, stores, AnomalyTopology.CLIENT_WATCH, StateSerdes.clientWatch());
    register(context, stores, AnomalyTopology.NETWORK_WATCH, StateSerdes.networkWatch());
    register(context, stores, AnomalyTopology.CLIENT_NETWORKS, StateSerdes.clientNetworks());
    register(context, stores, AnomalyTopology.CLIENT_INCIDENTS, StateSerdes.incident());
    register(context, stores, AnomalyTopology.CLIENT_PROGRESS, Serdes.Long());
    register(context, stores, AnomalyTopology.CLIENT_BUFFER, SignalSerdes.clientSignal());
    ClientProcessor rules =
        new ClientProcessor(
            settings, alerter, AnomalyMetrics.NONE, Duration.ofMinutes(1), sources(partitions));
    rules.init(context);
    long streamTime = 0;
    for (ClientSignal signal : feed) {
      long timestamp = signal instanceof ClientSignal.Progress ? streamTime : signal.at();
      streamTime = Math.max(streamTime, timestamp);
      rules.process(new Record<>(signal.clientId(), signal, timestamp));
      if (random.nextInt(10) == 0) {
        punctuate(context, streamTime);
      }
    }
    return context.forwarded().stream().<Alert>map(f -> f.record().value()).toList();
  }

  /** Every source's signals, merged by event time (progress after the signals of its time). */
  private static List<ClientSignal> timeSorted(Map<String, List<ClientSignal>> bySource) {
    List<ClientSignal> all = new ArrayList<>();
    bySource.values().forEach(all::addAll);
    all.sort(
        Comparator.comparingLong(ClientSignal::at)
            .thenComparing(signal -> signal instanceof ClientSignal.Progress));
    return all;
  }

  /** The sources' signals interleaved at random, each source's kept in its order. */
  private static List<ClientSignal> interleaving(
      Map<String, List<ClientSignal>> bySource, Random random) {
    List<List<ClientSignal>> pending = new ArrayList<>();
    bySource.values().forEach(signals -> pending.add(new ArrayList<>(signals)));
    List<ClientSignal> feed = new ArrayList<>();
    while (!pending.isEmpty()) {
      int pick = random.nextInt(pending.size());
      List<ClientSignal> source = pending.get(pick);
      // Bursts, as a fetch of one partition brings several records at once.
      for (int n = 1 + random.nextInt(8); n > 0 && !source.isEmpty(); n--) {
        feed.add(source.remove(0));
      }
      if (source.isEmpty()) {
        pending.remove(pick);
      }
    }
    return feed;
  }

  // comparing

  /** What a security team sees of each alert: id, rule, what it fired on, the evidence. */
  private static List<String> described(List<Alert> alerts) {
    return alerts.stream()
        .map(
            alert -> {
              Evidence evidence = alert.finding().evidence();
              Map<String, String> observed = new TreeMap<>(evidence.observed());
              return String.join(
                  " ",
                  alert.alertId(),
                  alert.rule().name(),
                  alert.finding().incidentKey(),
                  alert.raisedAt().toString(),
                  evidence.eventIds().toString(),
                  Long.toString(evidence.count()),
                  evidence.firstSeen() + ".." + evidence.lastSeen(),
                  observed.toString());
            })
        .toList();
  }

  /**
   * The alerts whose incident starts at or after {@code learned}, without what depends on where
   * learning began (a replay from a cut learns from the cut).
   */
  private static List<Alert> startingFrom(List<Alert> alerts, Instant learned) {
    return alerts.stream()
        .filter(alert -> !alert.finding().evidence().firstSeen().isBefore(learned))
        .map(ClientOrderPropertyTest::withoutLearningStart)
        .toList();
  }

  private static Alert withoutLearningStart(Alert alert) {
    Evidence evidence = alert.finding().evidence();
    Map<String, String> observed = new LinkedHashMap<>(evidence.observed());
    observed.remove("learning_since");
    Evidence kept =
        new Evidence(
            evidence.eventIds(),
            evidence.count(),
            evidence.firstSeen(),
            evidence.lastSeen(),
            observed,
            evidence.thresholds());
    Finding finding = alert.finding();
    return new Alert(
        alert.alertId(),
        alert.raisedAt(),
        alert.severity(),
        new Finding(
            finding.rule(),
            finding.incidentKey(),
            finding.subject(),
            finding.clientId(),
            finding.tokenId(),
            finding.grantId(),
            finding.summary(),
            kept,
            finding.response()),
        alert.autoResponse());
  }

  private static Set<Rule> rules(List<Alert> alerts) {
    return alerts.stream()
        .map(Alert::rule)
        .collect(Collectors.toCollection(() -> EnumSet.noneOf(Rule.class)));
  }

  // contexts and stores

  private static <K, V> MockProcessorContext<K, V> context(int partition) {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "client-order");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    MockProcessorContext<K, V> context =
        new MockProcessorContext<>(props, new TaskId(0, partition), null);
    // A replay's sources never read the wall clock; it stands still.
    context.setCurrentSystemTimeMs(0);
    context.setCurrentStreamTimeMs(0);
    return context;
  }

  private static <V> void register(
      MockProcessorContext<?, ?> context,
      Map<String, KeyValueStore<String, ?>> stores,
      String name,
      Serde<V> values) {
    KeyValueStore<String, V> store =
        Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(), values)
            .withLoggingDisabled()
            .build();
    store.init(context.getStateStoreContext(), store);
    context.addStateStore(store);
    stores.put(name, store);
  }

  /** The stores of another processor of the same task. */
  private static void share(
      MockProcessorContext<?, ?> context, Map<String, KeyValueStore<String, ?>> stores) {
    stores.values().forEach(context::addStateStore);
  }

  private static void punctuate(MockProcessorContext<?, ?> context, long streamTime) {
    for (var punctuator : context.scheduledPunctuators()) {
      if (punctuator.getType() == PunctuationType.STREAM_TIME) {
        punctuator.getPunctuator().punctuate(streamTime);
      }
    }
  }
}
