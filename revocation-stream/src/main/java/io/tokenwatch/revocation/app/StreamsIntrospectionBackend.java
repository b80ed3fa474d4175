package io.tokenwatch.revocation.app;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.Revocation;
import io.tokenwatch.revocation.LiveRevocation;
import io.tokenwatch.revocation.LiveToken;
import io.tokenwatch.revocation.Reason;
import io.tokenwatch.revocation.Selector;
import io.tokenwatch.revocation.UsageCount;
import io.tokenwatch.revocation.http.IntrospectionBackend;
import io.tokenwatch.revocation.kafka.FeedRecords;
import io.tokenwatch.revocation.kafka.RevocationTopology;
import io.tokenwatch.schemas.topic.Topics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Introspection over the running streams' stores (interactive queries). */
final class StreamsIntrospectionBackend implements IntrospectionBackend {

  private static final Logger log = LoggerFactory.getLogger(StreamsIntrospectionBackend.class);
  private static final Serializer<String> KEYS = Serdes.String().serializer();

  private final KafkaStreams streams;
  private final HostInfo self;
  private final Deserializer<Revocation> feed;

  StreamsIntrospectionBackend(KafkaStreams streams, HostInfo self, Deserializer<Revocation> feed) {
    this.streams = requireNonNull(streams, "streams");
    this.self = requireNonNull(self, "self");
    this.feed = requireNonNull(feed, "feed");
  }

  @Override
  public Optional<String> remoteOwner(String tokenId) {
    KeyQueryMetadata metadata =
        streams.queryMetadataForKey(RevocationTopology.TOKEN_REGISTRY, tokenId, KEYS);
    if (metadata == null || KeyQueryMetadata.NOT_AVAILABLE.equals(metadata)) {
      throw new IllegalStateException("the owner of the token is not known yet (rebalancing)");
    }
    HostInfo owner = metadata.activeHost();
    return owner.equals(self) ? Optional.empty() : Optional.of(owner.host() + ":" + owner.port());
  }

  @Override
  public @Nullable LiveToken token(String tokenId) {
    ReadOnlyKeyValueStore<String, LiveToken> store = store(RevocationTopology.TOKEN_REGISTRY);
    return store.get(tokenId);
  }

  @Override
  public long useCount(String tokenId) {
    ReadOnlyKeyValueStore<String, UsageCount> store = store(RevocationTopology.USAGE_COUNTS);
    UsageCount count = store.get(tokenId);
    return count == null ? 0 : count.count();
  }

  @Override
  public List<LiveRevocation> revocations(List<Selector> selectors) {
    ReadOnlyKeyValueStore<String, byte[]> store = store(RevocationTopology.REVOCATION_FEED);
    List<LiveRevocation> found = new ArrayList<>();
    for (Selector selector : selectors) {
      byte[] bytes = store.get(selector.key());
      if (bytes == null) {
        continue;
      }
      try {
        Revocation record = feed.deserialize(Topics.REVOCATIONS.name(), bytes);
        if (record != null) {
          found.add(FeedRecords.toDomain(record));
        }
      } catch (RuntimeException e) {
        // The record's content is lost to this reader, but its key names what it revokes: deny
        // by default, as validators do with the same record, rather than answer active.
        log.warn(
            "Unreadable feed record under {}; treated as revoking it: {}",
            selector.key(),
            e.toString());
        found.add(unreadableRevocation(selector));
      }
    }
    return found;
  }

  /** What an unreadable feed record is taken to say: its selector, revoked, watermark unknown. */
  private static LiveRevocation unreadableRevocation(Selector selector) {
    return new LiveRevocation(
        selector,
        null,
        Instant.EPOCH,
        Reason.UNKNOWN,
        "unreadable-feed-record",
        null,
        Instant.EPOCH,
        "the feed record under this key could not be read; revoked by default",
        null);
  }

  @Override
  public boolean ready() {
    return streams.state() == KafkaStreams.State.RUNNING;
  }

  private <K, V> ReadOnlyKeyValueStore<K, V> store(String name) {
    try {
      return streams.store(
          StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<K, V>keyValueStore()));
    } catch (InvalidStateStoreException e) {
      throw new IllegalStateException(
          "store " + name + " is not queryable now: " + e.getMessage(), e);
    }
  }
}
