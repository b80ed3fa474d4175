package io.tokenwatch.validator.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.validator.JwksSource;
import io.tokenwatch.validator.RevocationIndex;
import io.tokenwatch.validator.TokenValidator;
import io.tokenwatch.validator.jwks.HttpJwksFetcher;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * A {@link TokenValidator} for one audience that follows the revocation feed, as a service embeds
 * it: {@link #startFeed} starts the {@link RevocationFeed} (feed and fast path, values read in
 * Confluent wire format), {@link #builder} presets a validator's issuer, audience, keys (fetched
 * from the issuer's JWKS URL) and revocations (that feed). The caller adds what is its own
 * (staleness budget, caches, listener), builds, and closes the feed when it stops.
 */
public final class FeedFollowingValidators {

  /** How long one poll of the feed waits; also how often its freshness is renewed. */
  public static final Duration POLL_TIMEOUT = Duration.ofMillis(500);

  /** How long one fetch of the issuer's JWKS may take. */
  public static final Duration JWKS_FETCH_TIMEOUT = Duration.ofSeconds(5);

  private FeedFollowingValidators() {}

  /**
   * Starts following the catalogue's feed ({@link Topics#REVOCATIONS}) and fast path ({@link
   * Topics#REVOCATION_FAST_PATH}); see {@link #startFeed(Map, SchemaRegistryClient, SerdeConfig,
   * String, String, Clock)}.
   */
  public static RevocationFeed startFeed(
      Map<String, Object> consumerConfig,
      SchemaRegistryClient registry,
      SerdeConfig serdeConfig,
      Clock clock) {
    return startFeed(
        consumerConfig,
        registry,
        serdeConfig,
        Topics.REVOCATIONS.name(),
        Topics.REVOCATION_FAST_PATH.name(),
        clock);
  }

  /**
   * Starts following {@code topic} and {@code fastPathTopic} into a new {@link RevocationIndex}.
   *
   * @param consumerConfig Kafka consumer settings, at least {@code bootstrap.servers} (a {@code
   *     client.id} names the feed in client metrics); group, offset and deserializer settings are
   *     set by the feed
   * @param registry the schema registry the {@code Revocation} values are read with
   * @param serdeConfig the service's serde settings (checked; the feed reads the values' writer
   *     schemas from {@code registry} and needs none of them)
   * @param topic the feed topic, normally {@code tokenwatch.revocations}
   * @param fastPathTopic the issuer's fast path, normally {@code tokenwatch.revocation-fast-path}
   * @param clock the validator's clock
   * @return the running feed; the caller closes it
   */
  public static RevocationFeed startFeed(
      Map<String, Object> consumerConfig,
      SchemaRegistryClient registry,
      SerdeConfig serdeConfig,
      String topic,
      String fastPathTopic,
      Clock clock) {
    requireNonNull(registry, "registry");
    requireNonNull(serdeConfig, "serdeConfig");
    // Only the two fields a validator uses are decoded (see RevocationFeed's constructors).
    return new RevocationFeed(
        consumerConfig, registry, topic, fastPathTopic, new RevocationIndex(), clock, POLL_TIMEOUT);
  }

  /**
   * A validator builder for {@code issuer}'s tokens addressed to {@code audience}, its keys fetched
   * from {@code jwksUrl} ({@link #JWKS_FETCH_TIMEOUT} per fetch) and its revocations read from
   * {@code feed}. Everything else keeps {@link TokenValidator.Builder}'s defaults until the caller
   * sets it.
   *
   * @param jwksMinRefreshInterval at most one JWKS fetch per this interval, whatever the tokens say
   * @param jwksMaxAge keys older than this are fetched again on next use
   * @param clock the time source of the validator and of its key set
   */
  public static TokenValidator.Builder builder(
      String issuer,
      String audience,
      URI jwksUrl,
      Duration jwksMinRefreshInterval,
      Duration jwksMaxAge,
      RevocationFeed feed,
      Clock clock) {
    return TokenValidator.builder()
        .issuer(issuer)
        .audience(audience)
        .jwks(
            JwksSource.fetching(
                new HttpJwksFetcher(jwksUrl, JWKS_FETCH_TIMEOUT),
                jwksMinRefreshInterval,
                jwksMaxAge,
                clock))
        .revocations(feed)
        .clock(clock);
  }
}
