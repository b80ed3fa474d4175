package io.tokenwatch.revocation.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.revocation.RevocationRules;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.streams.Decoding;
import io.tokenwatch.schemas.streams.EventCheck;
import io.tokenwatch.schemas.topic.Topic;
import io.tokenwatch.schemas.topic.Topics;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;
import org.jspecify.annotations.Nullable;

/**
 * The revocation stream's topology.
 *
 * <p>Two sub-topologies write the feed, each owning its keys, so no key has two writers:
 *
 * <ul>
 *   <li><b>tokens</b>, keyed by token id ({@code tokenwatch.token-issued}, {@code
 *       tokenwatch.token-used}, and token revocation requests re-keyed by token id): the {@value
 *       #TOKEN_REGISTRY} of live tokens, the {@value #USAGE_COUNTS} of allowed uses, max-use
 *       enforcement, and the {@code token:<jti>} feed records with their tombstones ({@value
 *       #LIVE_TOKEN_REVOCATIONS}); everything leaves via the {@value #TOKEN_EXPIRY_INDEX}.
 *   <li><b>selectors</b>, keyed by feed key (requests re-keyed by their selector, whatever key
 *       their producer gave them): grant, lineage, subject, client and audience revocations in
 *       {@value #LIVE_REVOCATIONS}.
 * </ul>
 *
 * <p>Every input is read as bytes and decoded inside the topology, so bad records become dead
 * letters in the same transaction as everything else. The feed itself is read back into the global
 * store {@value #REVOCATION_FEED} for introspection.
 */
public final class RevocationTopology {

  /** Live tokens by id. */
  public static final String TOKEN_REGISTRY = "token-registry";

  /** Allowed uses by token id. */
  public static final String USAGE_COUNTS = "usage-counts";

  /** When each token's state may go, in time order. */
  public static final String TOKEN_EXPIRY_INDEX = "token-expiry-index";

  /** The {@code token:<jti>} records this stream wrote and has not yet tombstoned, by token id. */
  public static final String LIVE_TOKEN_REVOCATIONS = "live-token-revocations";

  /** The selector records this stream wrote and has not yet tombstoned, by feed key. */
  public static final String LIVE_REVOCATIONS = "live-revocations";

  /** The whole feed (every writer's records), raw bytes by feed key; global. */
  public static final String REVOCATION_FEED = "revocation-feed";

  /** Internal topic of token revocation requests keyed by token id. */
  public static final String TOKEN_REQUESTS_REPARTITION = "token-revocation-requests";

  /** Internal topic of every other revocation request, keyed by its feed key. */
  public static final String SELECTOR_REQUESTS_REPARTITION = "selector-revocation-requests";

  private RevocationTopology() {}

  /** The topology without metrics. */
  public static Topology build(RevocationStreamConfig config, SchemaRegistryClient registry) {
    return build(config, registry, RevocationMetrics.NONE);
  }

  /**
   * Builds the topology.
   *
   * @param config rules, punctuation intervals and serde settings
   * @param registry the schema registry client every Avro serde shares
   * @param metrics where dead letters and emitted revocations are reported
   */
  public static Topology build(
      RevocationStreamConfig config, SchemaRegistryClient registry, RevocationMetrics metrics) {
    requireNonNull(config, "config");
    requireNonNull(registry, "registry");
    requireNonNull(metrics, "metrics");
    SerdeConfig serdes = config.serdeConfig();
    RevocationRules rules = config.rules();
    Duration expiry = config.expiryPunctuation();
    Duration tombstones = config.tombstonePunctuation();
    Serde<Revocation> revocationSerde =
        AvroSerdes.specific(Revocation.class, registry, serdes, false);
    Serde<RevocationRequested> requestSerde =
        AvroSerdes.specific(RevocationRequested.class, registry, serdes, false);
    // The feed carries tombstones (a null value), which the Avro serde writes and reads as such.
    @SuppressWarnings("NullAway")
    Produced<String, @Nullable Revocation> toFeed = Produced.with(Serdes.String(), revocationSerde);

    StreamsBuilder builder = new StreamsBuilder();
    // Caching folds the many updates of a hot token within one commit interval into one changelog
    // write: a token used a thousand times between commits costs one record, not a thousand.
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(TOKEN_REGISTRY),
                Serdes.String(),
                StateSerdes.liveToken())
            .withCachingEnabled());
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(USAGE_COUNTS),
                Serdes.String(),
                StateSerdes.usageCount())
            .withCachingEnabled());
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(TOKEN_EXPIRY_INDEX),
            Serdes.Bytes(),
            Serdes.ByteArray()));
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(LIVE_TOKEN_REVOCATIONS),
            Serdes.String(),
            StateSerdes.liveRevocation()));
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(LIVE_REVOCATIONS),
            Serdes.String(),
            StateSerdes.liveRevocation()));
    builder.globalTable(
        Topics.REVOCATIONS.name(),
        Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("revocation-feed-source"),
        Materialized.<String, byte[]>as(Stores.persistentKeyValueStore(REVOCATION_FEED))
            .withKeySerde(Serdes.String())
            .withValueSerde(Serdes.ByteArray()));

    KStream<String, TokenIssued> issued =
        decode(
            builder,
            Topics.TOKEN_ISSUED,
            AvroSerdes.specific(TokenIssued.class, registry, serdes, false).deserializer(),
            Events::checkTokenIssued,
            "token-issued",
            metrics);
    KStream<String, TokenUsed> used =
        decode(
            builder,
            Topics.TOKEN_USED,
            AvroSerdes.specific(TokenUsed.class, registry, serdes, false).deserializer(),
            Events::checkTokenUsed,
            "token-used",
            metrics);
    KStream<String, RevocationRequested> requests =
        decode(
            builder,
            Topics.REVOCATION_REQUESTS,
            requestSerde.deserializer(),
            (key, request) -> Events.checkRevocationRequested(request),
            "revocation-requests",
            metrics);

    Map<String, KStream<String, RevocationRequested>> byKind =
        requests
            .split(Named.as("requests-"))
            .branch(
                (key, request) -> request.getSelector().getKind() == SelectorKind.TOKEN,
                Branched.as("token"))
            .defaultBranch(Branched.as("selector"));

    KStream<String, RevocationRequested> tokenRequests =
        requireNonNull(byKind.get("requests-token"), "requests-token")
            .selectKey(
                (key, request) -> request.getSelector().getValue(), Named.as("key-by-token-id"))
            .repartition(
                Repartitioned.<String, RevocationRequested>as(TOKEN_REQUESTS_REPARTITION)
                    .withKeySerde(Serdes.String())
                    .withValueSerde(requestSerde)
                    .withNumberOfPartitions(Topics.TOKEN_ISSUED.spec().partitions()));

    String[] tokenStores = {
      TOKEN_REGISTRY, USAGE_COUNTS, TOKEN_EXPIRY_INDEX, LIVE_TOKEN_REVOCATIONS
    };
    issued
        .process(
            () -> new TokenProcessors.Issued(rules, metrics, expiry),
            Named.as("token-registry-update"),
            tokenStores)
        .to(Topics.REVOCATIONS.name(), toFeed.withName("max-uses-on-issue-to-feed"));
    used.process(
            () -> new TokenProcessors.Used(rules, metrics), Named.as("usage-count"), tokenStores)
        .to(Topics.REVOCATIONS.name(), toFeed.withName("max-uses-to-feed"));
    tokenRequests
        .process(
            () -> new TokenProcessors.Requested(rules, metrics),
            Named.as("token-revocation"),
            tokenStores)
        .to(Topics.REVOCATIONS.name(), toFeed.withName("token-revocations-to-feed"));
    // One writer per feed key, whatever key and partition a producer gave the request: compaction
    // keeps the last record per key, so every request for a selector must be merged by the one
    // task that owns it (docs/TOKENS.md).
    requireNonNull(byKind.get("requests-selector"), "requests-selector")
        .selectKey((key, request) -> Events.feedKey(request), Named.as("key-by-selector"))
        .repartition(
            Repartitioned.<String, RevocationRequested>as(SELECTOR_REQUESTS_REPARTITION)
                .withKeySerde(Serdes.String())
                .withValueSerde(requestSerde)
                .withNumberOfPartitions(Topics.REVOCATIONS.spec().partitions()))
        .process(
            () -> new SelectorRevocationProcessor(rules, metrics, tombstones),
            Named.as("selector-revocation"),
            LIVE_REVOCATIONS)
        .to(Topics.REVOCATIONS.name(), toFeed.withName("selector-revocations-to-feed"));
    return builder.build();
  }

  private static <V> KStream<String, V> decode(
      StreamsBuilder builder,
      Topic<String, V> topic,
      Deserializer<V> deserializer,
      EventCheck<V> check,
      String name,
      RevocationMetrics metrics) {
    return Decoding.decode(builder, topic, deserializer, check, name, metrics);
  }

  /** Serde of the keys of the expiry index, for tests and tools. */
  static Serde<Bytes> expiryIndexKeySerde() {
    return Serdes.Bytes();
  }
}
