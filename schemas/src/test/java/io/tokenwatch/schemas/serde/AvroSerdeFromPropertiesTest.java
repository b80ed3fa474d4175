package io.tokenwatch.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenwatch.schemas.registry.RegistryStub;
import io.tokenwatch.schemas.registry.RegistryStub.Canned;
import io.tokenwatch.schemas.serde.fixtures.Grant;
import io.tokenwatch.schemas.serde.fixtures.GrantKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Kafka by-class-name path: no-arg constructor, then configure(properties). */
class AvroSerdeFromPropertiesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOPIC = "tokenwatch.grants";

  private RegistryStub stub;
  private final List<String> schemas = new ArrayList<>();

  @BeforeEach
  void start() throws IOException {
    stub = new RegistryStub();
    // A tiny registry: ids are positions in `schemas`, from 1.
    stub.respondWith(
        request -> {
          try {
            if (request.method().equals("POST") && request.rawPath().endsWith("/versions")) {
              String schema = JSON.readTree(request.body()).get("schema").asText();
              synchronized (schemas) {
                int index = schemas.indexOf(schema);
                if (index < 0) {
                  schemas.add(schema);
                  index = schemas.size() - 1;
                }
                return new Canned(200, "{\"id\":" + (index + 1) + "}");
              }
            }
            if (request.method().equals("GET") && request.rawPath().startsWith("/schemas/ids/")) {
              int id = Integer.parseInt(request.rawPath().substring("/schemas/ids/".length()));
              synchronized (schemas) {
                if (id >= 1 && id <= schemas.size()) {
                  JsonNode body = JSON.createObjectNode().put("schema", schemas.get(id - 1));
                  return new Canned(200, body.toString());
                }
              }
              return new Canned(404, "{\"error_code\":40403,\"message\":\"Schema not found\"}");
            }
            return new Canned(404, "{\"error_code\":40401,\"message\":\"Subject not found\"}");
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  @AfterEach
  void stop() {
    stub.close();
  }

  private Map<String, Object> props(Object... keyValues) {
    Map<String, Object> props = new HashMap<>();
    props.put("schema.registry.url", stub.url().toString());
    props.put("schema.registry.retry.backoff.ms", "1");
    for (int i = 0; i < keyValues.length; i += 2) {
      props.put((String) keyValues[i], keyValues[i + 1]);
    }
    return props;
  }

  private static Grant grant() {
    return Grant.newBuilder()
        .setId("g-2")
        .setScopes(List.of("audit:read"))
        .setKind(GrantKind.ACCESS)
        .setIssuedAt(Instant.ofEpochMilli(1_000))
        .setParent(null)
        .build();
  }

  private byte[] serialize(Object value, boolean isKey) {
    try (AvroSerializer<Object> serializer = new AvroSerializer<>()) {
      serializer.configure(props(), isKey);
      return serializer.serialize(TOPIC, value);
    }
  }

  @Test
  void shouldReadIntoConfiguredSpecificType() {
    byte[] bytes = serialize(grant(), false);

    try (AvroDeserializer<Grant> deserializer = new AvroDeserializer<>()) {
      deserializer.configure(
          props("specific.avro.reader", "true", "specific.avro.value.type", Grant.class.getName()),
          false);
      assertThat(deserializer.deserialize(TOPIC, bytes)).isEqualTo(grant());
    }
    assertThat(stub.requests().get(0).rawPath())
        .isEqualTo("/subjects/tokenwatch.grants-value/versions");
  }

  @Test
  void shouldFindGeneratedClassByWriterSchemaNameWithoutTypeKey() {
    byte[] bytes = serialize(grant(), true);

    try (AvroDeserializer<Object> deserializer = new AvroDeserializer<>()) {
      deserializer.configure(props("specific.avro.reader", true), true);
      assertThat(deserializer.deserialize(TOPIC, bytes))
          .isInstanceOf(Grant.class)
          .isEqualTo(grant());
    }
    assertThat(stub.requests().get(0).rawPath())
        .isEqualTo("/subjects/tokenwatch.grants-key/versions");
  }

  @Test
  void shouldReturnGenericRecordsByDefault() {
    byte[] bytes = serialize(grant(), false);

    try (AvroDeserializer<GenericRecord> deserializer = new AvroDeserializer<>()) {
      deserializer.configure(props(), false);
      GenericRecord record = deserializer.deserialize(TOPIC, bytes);
      assertThat(record).isNotInstanceOf(Grant.class);
      assertThat(record.get("id")).hasToString("g-2");
      assertThat(record.getSchema()).isEqualTo(Grant.getClassSchema());
    }
  }

  @Test
  void shouldConfigureBothHalvesOfSerdeByClassName() {
    try (AvroSerde<Grant> serde = new AvroSerde<>()) {
      serde.configure(props("specific.avro.reader", "true"), false);
      byte[] bytes = serde.serializer().serialize(TOPIC, grant());
      assertThat(serde.deserializer().deserialize(TOPIC, bytes)).isEqualTo(grant());
    }
  }

  @Test
  void shouldRejectUseBeforeConfigureAndSecondConfigure() {
    AvroSerializer<Grant> serializer = new AvroSerializer<>();
    assertThatThrownBy(() -> serializer.serialize(TOPIC, grant()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("before configure()");
    serializer.configure(props(), false);
    assertThatThrownBy(() -> serializer.configure(props(), false))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already configured");
  }

  @Test
  void shouldRejectInvalidPropertiesAtConfigure() {
    AvroDeserializer<Grant> deserializer = new AvroDeserializer<>();

    assertThatThrownBy(
            () ->
                deserializer.configure(
                    props("specific.avro.value.type", "no.such.Type", "specific.avro.reader", "x"),
                    false))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("2 problem(s)");
  }
}
