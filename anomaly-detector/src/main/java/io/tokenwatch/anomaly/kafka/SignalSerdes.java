package io.tokenwatch.anomaly.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenwatch.anomaly.DenyReason;
import io.tokenwatch.anomaly.IssuanceRefusal;
import io.tokenwatch.anomaly.ReuseRevocation;
import io.tokenwatch.anomaly.TokenGrant;
import io.tokenwatch.anomaly.TokenUse;
import io.tokenwatch.anomaly.UseTally;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.jspecify.annotations.Nullable;

/**
 * Serdes of the three repartition topics. Instances of one detector read each other's records
 * there, so during a rolling upgrade an instance of one release reads what an instance of another
 * wrote: the layouts are those of earlier releases, field for field. The signals are JSON objects
 * with a {@code kind} ({@code USE}, {@code USE_TALLY}, {@code ISSUED}, {@code REFUSED}, {@code
 * PROGRESS}, {@code REUSE_REVOKED}) and the fields of that kind, unknown fields ignored and missing
 * ones defaulted as before; a token revocation is the text {@code <event id> <occurred_at epoch
 * ms>}. Change a layout only by reading both the old and the new one for a release first.
 */
final class SignalSerdes {

  private static final ObjectMapper JSON = new ObjectMapper();

  private SignalSerdes() {}

  /** {@value AnomalyTopology#CLIENT_SIGNALS_REPARTITION}. */
  static Serde<ClientSignal> clientSignal() {
    return serde(SignalSerdes::writeClient, SignalSerdes::readClient, "client signal");
  }

  /** {@value AnomalyTopology#GRANT_SIGNALS_REPARTITION}. */
  static Serde<GrantSignal> grantSignal() {
    return serde(SignalSerdes::writeGrant, SignalSerdes::readGrant, "grant signal");
  }

  /** {@value AnomalyTopology#TOKEN_REVOCATIONS_REPARTITION}. */
  static Serde<TokenRevoked> tokenRevoked() {
    return serde(SignalSerdes::writeRevoked, SignalSerdes::readRevoked, "token revocation");
  }

  private static <T> Serde<T> serde(
      Function<T, byte[]> write, Function<byte[], T> read, String what) {
    return Serdes.serdeFrom(
        (topic, value) -> value == null ? null : write.apply(value),
        (topic, bytes) -> {
          if (bytes == null) {
            return null;
          }
          try {
            return read.apply(bytes);
          } catch (IllegalArgumentException | NullPointerException e) {
            throw new SerializationException("cannot read " + what + ": " + e.getMessage(), e);
          }
        });
  }

  // client signals

  private static byte[] writeClient(ClientSignal signal) {
    ObjectNode out = JSON.createObjectNode();
    if (signal instanceof ClientSignal.NewSource source) {
      TokenUse use = source.use();
      head(out, "USE", use.eventId(), source.at(), "clientId", source.clientId());
      text(out, "subject", use.subject());
      text(out, "tokenId", use.tokenId());
      text(out, "grantId", use.grantId());
      text(out, "sourceAddress", use.sourceAddress());
      text(out, "validatorId", use.validatorId());
      out.put("allowed", use.allowed());
      DenyReason reason = use.denyReason();
      text(out, "reason", reason == null ? null : reason.name());
      if (source.concurrent()) {
        out.put("concurrent", true);
      }
      tail(out, 0, source.sourcePartition(), 0, 0, 0);
    } else if (signal instanceof ClientSignal.UseCount count) {
      UseTally tally = count.tally();
      head(out, "USE_TALLY", tally.lastEventId(), tally.lastAt(), "clientId", count.clientId());
      out.put("allowed", true);
      tail(out, 0, count.sourcePartition(), tally.count(), tally.bucket(), tally.firstAt());
      texts(out, "eventIds", tally.eventIds());
    } else if (signal instanceof ClientSignal.Issued issued) {
      TokenGrant grant = issued.grant();
      head(out, "ISSUED", grant.eventId(), issued.at(), "clientId", grant.clientId());
      text(out, "subject", grant.subject());
      text(out, "tokenId", grant.tokenId());
      text(out, "grantId", grant.grantId());
      out.put("allowed", true);
      texts(out, "scopes", grant.scopes());
      tail(out, grant.expiresAt().toEpochMilli(), -1, 0, 0, 0);
    } else if (signal instanceof ClientSignal.Refused refused) {
      IssuanceRefusal refusal = refused.refusal();
      head(out, "REFUSED", refusal.eventId(), refused.at(), "clientId", refusal.clientId());
      text(out, "subject", refusal.subject());
      text(out, "grantId", refusal.grantId());
      out.put("allowed", false);
      text(out, "reason", refusal.reason());
      text(out, "grantType", refusal.grantType());
      texts(out, "scopes", refusal.requestedScopes());
      texts(out, "allowedScopes", refusal.allowedScopes());
      text(out, "parentTokenId", refusal.parentTokenId());
      tail(out, 0, -1, 0, 0, 0);
    } else if (signal instanceof ClientSignal.Progress progress) {
      // Only this release writes it; a reader of an earlier release would reject the kind.
      head(out, "PROGRESS", "", progress.upTo(), "clientId", progress.clientId());
      out.put("source", progress.kind().name());
      out.put("sourcePartition", progress.sourcePartition());
    } else {
      throw new IllegalStateException("unknown client signal " + signal);
    }
    return bytes(out);
  }

  private static ClientSignal readClient(byte[] bytes) {
    JsonNode in = parse(bytes);
    String kind = required(in, "kind");
    long at = in.path("at").asLong();
    if (kind.equals("PROGRESS")) {
      return new ClientSignal.Progress(
          in.path("sourcePartition").asInt(),
          ClientSignal.SourceKind.valueOf(required(in, "source")),
          at);
    }
    String eventId = required(in, "eventId");
    String clientId = required(in, "clientId");
    switch (kind) {
      case "USE" -> {
        boolean allowed = in.path("allowed").asBoolean();
        return new ClientSignal.NewSource(
            clientId,
            in.path("sourcePartition").asInt(),
            new TokenUse(
                eventId,
                Instant.ofEpochMilli(at),
                orEmpty(optional(in, "tokenId")),
                optional(in, "subject"),
                clientId,
                null,
                null,
                optional(in, "sourceAddress"),
                orEmpty(optional(in, "validatorId")),
                List.of(),
                List.of(),
                allowed,
                allowed ? null : DenyReason.of(orEmpty(optional(in, "reason"))),
                null,
                null,
                optional(in, "grantId")),
            in.path("concurrent").asBoolean(false));
      }
      case "USE_TALLY" -> {
        return new ClientSignal.UseCount(
            clientId,
            in.path("sourcePartition").asInt(),
            UseTally.of(
                in.path("bucket").asLong(),
                in.path("firstAt").asLong(),
                at,
                in.path("count").asInt(),
                eventId,
                texts(in, "eventIds")));
      }
      case "ISSUED" -> {
        return new ClientSignal.Issued(
            new TokenGrant(
                eventId,
                Instant.ofEpochMilli(at),
                orEmpty(optional(in, "tokenId")),
                orEmpty(optional(in, "subject")),
                clientId,
                orEmpty(optional(in, "grantId")),
                texts(in, "scopes"),
                Instant.ofEpochMilli(in.path("expiresAt").asLong()),
                null,
                null));
      }
      case "REFUSED" -> {
        return new ClientSignal.Refused(
            new IssuanceRefusal(
                eventId,
                Instant.ofEpochMilli(at),
                clientId,
                optional(in, "subject"),
                orEmpty(optional(in, "reason")),
                orEmpty(optional(in, "grantType")),
                texts(in, "scopes"),
                texts(in, "allowedScopes"),
                optional(in, "parentTokenId"),
                optional(in, "grantId")));
      }
      default -> throw new IllegalArgumentException("not a client signal kind: " + kind);
    }
  }

  // grant signals

  private static byte[] writeGrant(GrantSignal signal) {
    ObjectNode out = JSON.createObjectNode();
    if (signal instanceof GrantSignal.Minted minted) {
      TokenGrant token = minted.token();
      head(out, "ISSUED", token.eventId(), minted.at(), "grantId", token.grantId());
      text(out, "subject", token.subject());
      text(out, "clientId", token.clientId());
      text(out, "tokenId", token.tokenId());
      out.put("expiresAt", token.expiresAt().toEpochMilli());
    } else if (signal instanceof GrantSignal.ReuseRevoked reuse) {
      ReuseRevocation revocation = reuse.revocation();
      head(out, "REUSE_REVOKED", revocation.eventId(), reuse.at(), "grantId", reuse.grantId());
      out.put("expiresAt", 0L);
      text(out, "requestedBy", revocation.requestedBy());
      text(out, "detail", revocation.detail());
    } else {
      throw new IllegalStateException("unknown grant signal " + signal);
    }
    return bytes(out);
  }

  private static GrantSignal readGrant(byte[] bytes) {
    JsonNode in = parse(bytes);
    String kind = required(in, "kind");
    String eventId = required(in, "eventId");
    Instant at = Instant.ofEpochMilli(in.path("at").asLong());
    String grantId = required(in, "grantId");
    switch (kind) {
      case "ISSUED" -> {
        return new GrantSignal.Minted(
            new TokenGrant(
                eventId,
                at,
                orEmpty(optional(in, "tokenId")),
                orEmpty(optional(in, "subject")),
                orEmpty(optional(in, "clientId")),
                grantId,
                List.of(),
                Instant.ofEpochMilli(in.path("expiresAt").asLong()),
                null,
                null));
      }
      case "REUSE_REVOKED" -> {
        return new GrantSignal.ReuseRevoked(
            new ReuseRevocation(
                grantId,
                eventId,
                at,
                orEmpty(optional(in, "requestedBy")),
                optional(in, "detail")));
      }
      default -> throw new IllegalArgumentException("not a grant signal kind: " + kind);
    }
  }

  // token revocations

  private static byte[] writeRevoked(TokenRevoked revoked) {
    return (revoked.eventId() + " " + revoked.at().toEpochMilli()).getBytes(StandardCharsets.UTF_8);
  }

  private static TokenRevoked readRevoked(byte[] bytes) {
    String value = new String(bytes, StandardCharsets.UTF_8);
    // The event id may hold spaces; the time never does.
    int space = value.lastIndexOf(' ');
    if (space <= 0) {
      throw new IllegalArgumentException("expected <event id> <epoch ms>");
    }
    return new TokenRevoked(
        value.substring(0, space),
        Instant.ofEpochMilli(Long.parseLong(value.substring(space + 1))));
  }

  // JSON helpers, in the field order earlier releases wrote

  private static void head(
      ObjectNode out, String kind, String eventId, long at, String keyField, String key) {
    out.put("kind", kind);
    out.put("eventId", eventId);
    out.put("at", at);
    out.put(keyField, key);
  }

  private static void tail(
      ObjectNode out, long expiresAt, int sourcePartition, int count, long bucket, long firstAt) {
    out.put("expiresAt", expiresAt);
    out.put("sourcePartition", sourcePartition);
    out.put("count", count);
    out.put("bucket", bucket);
    out.put("firstAt", firstAt);
  }

  private static void text(ObjectNode out, String field, @Nullable String value) {
    if (value != null) {
      out.put(field, value);
    }
  }

  private static void texts(ObjectNode out, String field, List<String> values) {
    ArrayNode array = out.putArray(field);
    values.forEach(array::add);
  }

  private static byte[] bytes(ObjectNode out) {
    try {
      return JSON.writeValueAsBytes(out);
    } catch (IOException e) {
      throw new SerializationException("cannot write a signal", e);
    }
  }

  private static JsonNode parse(byte[] bytes) {
    try {
      JsonNode node = JSON.readTree(bytes);
      if (node == null || !node.isObject()) {
        throw new IllegalArgumentException("not a JSON object");
      }
      return node;
    } catch (IOException e) {
      throw new IllegalArgumentException("not JSON", e);
    }
  }

  private static String required(JsonNode in, String field) {
    String value = optional(in, field);
    if (value == null) {
      throw new IllegalArgumentException("missing " + field);
    }
    return value;
  }

  private static @Nullable String optional(JsonNode in, String field) {
    JsonNode node = in.get(field);
    return node == null || node.isNull() ? null : node.asText();
  }

  private static List<String> texts(JsonNode in, String field) {
    JsonNode node = in.get(field);
    List<String> values = new ArrayList<>();
    if (node != null && node.isArray()) {
      node.forEach(element -> values.add(element.asText()));
    }
    return values;
  }

  private static String orEmpty(@Nullable String value) {
    return value == null ? "" : value;
  }
}
