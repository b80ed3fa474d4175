package io.tokenwatch.anomaly.kafka;

import io.tokenwatch.events.IssuanceDenied;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.streams.Decoding;
import io.tokenwatch.schemas.topic.Topics;
import java.time.Instant;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.jspecify.annotations.Nullable;

/** The detector's input topics, decoded: the first stage of {@link AnomalyTopology}. */
record Inputs(
    KStream<String, TokenIssued> issued,
    KStream<String, TokenUsed> used,
    KStream<String, IssuanceDenied> denied,
    KStream<String, RevocationRequested> requests,
    KStream<String, Revocation> revocations) {

  /** The inputs without the events after {@code until}; all of them when null (live). */
  Inputs until(@Nullable Instant until) {
    if (until == null) {
      return this;
    }
    return new Inputs(
        issued.filter((k, e) -> !e.getOccurredAt().isAfter(until), Named.as("issued-until")),
        used.filter((k, e) -> !e.getOccurredAt().isAfter(until), Named.as("used-until")),
        denied.filter((k, e) -> !e.getOccurredAt().isAfter(until), Named.as("denied-until")),
        requests.filter((k, e) -> !e.getOccurredAt().isAfter(until), Named.as("requests-until")),
        revocations.filter(
            (k, e) -> !e.getOccurredAt().isAfter(until), Named.as("revocations-until")));
  }

  /** Every input topic, decoded and checked; what fails its check becomes a dead letter. */
  static Inputs decode(
      StreamsBuilder builder,
      SchemaRegistryClient registry,
      SerdeConfig serdes,
      AnomalyMetrics metrics) {
    KStream<String, TokenIssued> issued =
        Decoding.decode(
            builder,
            Topics.TOKEN_ISSUED,
            AvroSerdes.specific(TokenIssued.class, registry, serdes, false).deserializer(),
            Events::checkTokenIssued,
            "token-issued",
            metrics);
    KStream<String, TokenUsed> used =
        Decoding.decode(
            builder,
            Topics.TOKEN_USED,
            AvroSerdes.specific(TokenUsed.class, registry, serdes, false).deserializer(),
            Events::checkTokenUsed,
            "token-used",
            metrics);
    KStream<String, IssuanceDenied> denied =
        Decoding.decode(
            builder,
            Topics.ISSUANCE_DENIED,
            AvroSerdes.specific(IssuanceDenied.class, registry, serdes, false).deserializer(),
            Events::checkIssuanceDenied,
            "issuance-denied",
            metrics);
    KStream<String, RevocationRequested> requests =
        Decoding.decode(
            builder,
            Topics.REVOCATION_REQUESTS,
            AvroSerdes.specific(RevocationRequested.class, registry, serdes, false).deserializer(),
            Events::checkRevocationRequested,
            "revocation-requests",
            metrics);
    KStream<String, Revocation> revocations =
        Decoding.decodeCompacted(
            builder,
            Topics.REVOCATIONS,
            AvroSerdes.specific(Revocation.class, registry, serdes, false).deserializer(),
            Events::checkRevocation,
            "revocations",
            metrics);
    return new Inputs(issued, used, denied, requests, revocations);
  }
}
