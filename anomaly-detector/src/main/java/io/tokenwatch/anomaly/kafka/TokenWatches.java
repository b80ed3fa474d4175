package io.tokenwatch.anomaly.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.anomaly.DetectionSettings;
import io.tokenwatch.anomaly.TokenWatch;
import java.time.Instant;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The per-token state ({@value AnomalyTopology#TOKEN_WATCH}) as the token processors read it: a
 * watch past its forget time reads as a new one.
 */
final class TokenWatches {

  private final KeyValueStore<String, TokenWatch> store;
  private final DetectionSettings settings;

  private TokenWatches(KeyValueStore<String, TokenWatch> store, DetectionSettings settings) {
    this.store = store;
    this.settings = settings;
  }

  /** The store of {@code context}'s task. */
  static TokenWatches of(ProcessorContext<?, ?> context, DetectionSettings settings) {
    KeyValueStore<String, TokenWatch> store = context.getStateStore(AnomalyTopology.TOKEN_WATCH);
    return new TokenWatches(requireNonNull(store, "store"), settings);
  }

  /** The underlying store, for the purge. */
  KeyValueStore<String, TokenWatch> store() {
    return store;
  }

  /** The token's watch at {@code now}; a new one when absent or forgotten. */
  TokenWatch read(String tokenId, Instant now) {
    TokenWatch watch = store.get(tokenId);
    return watch == null || watch.forgetAt(settings) < now.toEpochMilli()
        ? new TokenWatch()
        : watch;
  }

  void write(String tokenId, TokenWatch watch) {
    store.put(tokenId, watch);
  }
}
