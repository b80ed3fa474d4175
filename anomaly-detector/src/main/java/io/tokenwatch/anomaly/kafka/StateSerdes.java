package io.tokenwatch.anomaly.kafka;

import com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.tokenwatch.anomaly.ClientNetworks;
import io.tokenwatch.anomaly.ClientShape;
import io.tokenwatch.anomaly.ClientWatch;
import io.tokenwatch.anomaly.GrantWatch;
import io.tokenwatch.anomaly.Incident;
import io.tokenwatch.anomaly.NetworkWatch;
import io.tokenwatch.anomaly.StateCodec;
import io.tokenwatch.anomaly.TokenWatch;
import io.tokenwatch.anomaly.UseTally;
import io.tokenwatch.anomaly.ValidatorWatch;
import java.io.IOException;
import java.util.function.Function;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.jspecify.annotations.Nullable;

/**
 * Serdes of the state stores' values, internal to this application (the repartition topics' are
 * {@link SignalSerdes}), so they need no registry: binary for the values read on every use, JSON
 * for the rest. Unknown fields are ignored and missing ones take the state's defaults, so a later
 * release reads what an earlier one wrote to its changelogs.
 */
final class StateSerdes {

  /** State values: their fields, whatever their visibility; no getters. */
  private static final ObjectMapper STATE =
      new ObjectMapper()
          .setVisibility(PropertyAccessor.ALL, Visibility.NONE)
          .setVisibility(PropertyAccessor.FIELD, Visibility.ANY)
          .setDefaultPropertyInclusion(
              JsonInclude.Value.construct(
                  JsonInclude.Include.NON_NULL, JsonInclude.Include.USE_DEFAULTS))
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private StateSerdes() {}

  /** Binary ({@link StateCodec}); reads the JSON of earlier releases too. */
  static Serde<TokenWatch> tokenWatch() {
    Deserializer<TokenWatch> json = json(STATE, TokenWatch.class).deserializer();
    return binary(StateCodec::encode, StateCodec::decodeTokenWatch, json, TokenWatch.class);
  }

  /** Binary ({@link StateCodec}). */
  static Serde<UseTally> useTally() {
    return binary(StateCodec::encode, StateCodec::decodeUseTally, null, UseTally.class);
  }

  /** A serde over {@link StateCodec}; {@code legacy}, if given, reads what is not binary. */
  private static <T> Serde<T> binary(
      Function<T, byte[]> encode,
      Function<byte[], T> decode,
      @Nullable Deserializer<T> legacy,
      Class<T> type) {
    return Serdes.serdeFrom(
        (topic, value) -> value == null ? null : encode.apply(value),
        (topic, bytes) -> {
          if (bytes == null) {
            return null;
          }
          if (legacy != null && !StateCodec.isBinary(bytes)) {
            return legacy.deserialize(topic, bytes);
          }
          try {
            return decode.apply(bytes);
          } catch (IllegalArgumentException e) {
            throw new SerializationException("cannot read " + type.getSimpleName(), e);
          }
        });
  }

  /**
   * JSON; reads the ledger entries of earlier releases too, which were the latest finding's time as
   * an 8-byte long (never starting with <code>'{'</code>).
   */
  static Serde<Incident> incident() {
    Serde<Incident> json = json(STATE, Incident.class);
    Deserializer<Long> legacy = Serdes.Long().deserializer();
    return Serdes.serdeFrom(
        json.serializer(),
        (topic, bytes) -> {
          if (bytes == null) {
            return null;
          }
          if (bytes.length == Long.BYTES && bytes[0] != '{') {
            return Incident.ofLastFinding(legacy.deserialize(topic, bytes));
          }
          return json.deserializer().deserialize(topic, bytes);
        });
  }

  static Serde<ClientShape> clientShape() {
    return json(STATE, ClientShape.class);
  }

  static Serde<ClientWatch> clientWatch() {
    return json(STATE, ClientWatch.class);
  }

  static Serde<ClientNetworks> clientNetworks() {
    return json(STATE, ClientNetworks.class);
  }

  static Serde<NetworkWatch> networkWatch() {
    return json(STATE, NetworkWatch.class);
  }

  static Serde<ValidatorWatch> validatorWatch() {
    return json(STATE, ValidatorWatch.class);
  }

  static Serde<GrantWatch> grantWatch() {
    return json(STATE, GrantWatch.class);
  }

  private static <T> Serde<T> json(ObjectMapper mapper, Class<T> type) {
    ObjectWriter writer = mapper.writerFor(type);
    ObjectReader reader = mapper.readerFor(type);
    return Serdes.serdeFrom(
        (topic, value) -> {
          if (value == null) {
            return null;
          }
          try {
            return writer.writeValueAsBytes(value);
          } catch (IOException e) {
            throw new SerializationException("cannot write " + type.getSimpleName(), e);
          }
        },
        (topic, bytes) -> {
          if (bytes == null) {
            return null;
          }
          try {
            return reader.readValue(bytes);
          } catch (IOException e) {
            throw new SerializationException("cannot read " + type.getSimpleName(), e);
          }
        });
  }
}
