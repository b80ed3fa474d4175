package io.tokenwatch.bench.serde;

import io.tokenwatch.embedded.registry.EmbeddedSchemaRegistry;
import io.tokenwatch.embedded.registry.RegistryCredential;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.events.UseDecision;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerde;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of the Confluent wire-format serde on the hottest event ({@code TokenUsed}, one per
 * validation), against bare Avro binary encoding of the same record in the same run. The registry
 * is the real embedded one over HTTP; after warm-up the serde makes no registry call, so the gap to
 * bare Avro is the wire-format header and the caches.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SerdeBenchmark {

  private EmbeddedSchemaRegistry registry;
  private AvroSerde<TokenUsed> serde;
  private TokenUsed event;
  private byte[] wireBytes;
  private byte[] avroBytes;

  private final SpecificDatumWriter<TokenUsed> bareWriter =
      new SpecificDatumWriter<>(TokenUsed.class);
  private final SpecificDatumReader<TokenUsed> bareReader =
      new SpecificDatumReader<>(TokenUsed.class);
  private final ByteArrayOutputStream bareOut = new ByteArrayOutputStream(512);
  private @Nullable BinaryEncoder bareEncoder; // reused by Avro once made
  private @Nullable BinaryDecoder bareDecoder;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    RegistryCredential writer = RegistryCredential.random("bench");
    registry = EmbeddedSchemaRegistry.builder().port(0).writeCredential(writer).build().start();
    Map<String, Object> settings = new HashMap<>(writer.clientSettings());
    settings.put(SerdeConfig.SCHEMA_REGISTRY_URL, registry.url());
    SerdeConfig config = SerdeConfig.of(settings);
    serde =
        AvroSerdes.specific(
            TokenUsed.class,
            new HttpSchemaRegistryClient(config.registrySettings()),
            config,
            false);
    event = sampleUse();
    wireBytes = serde.serializer().serialize(Topics.TOKEN_USED.name(), event);
    avroBytes = bareSerialize();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    serde.close();
    registry.close();
  }

  @Benchmark
  public byte[] serializeWireFormat() {
    return serde.serializer().serialize(Topics.TOKEN_USED.name(), event);
  }

  @Benchmark
  public TokenUsed deserializeWireFormat() {
    return serde.deserializer().deserialize(Topics.TOKEN_USED.name(), wireBytes);
  }

  @Benchmark
  public byte[] serializeBareAvro() throws IOException {
    return bareSerialize();
  }

  @Benchmark
  public TokenUsed deserializeBareAvro() throws IOException {
    bareDecoder = DecoderFactory.get().binaryDecoder(avroBytes, bareDecoder);
    return bareReader.read(null, bareDecoder);
  }

  private byte[] bareSerialize() throws IOException {
    bareOut.reset();
    bareEncoder = EncoderFactory.get().binaryEncoder(bareOut, bareEncoder);
    bareWriter.write(event, bareEncoder);
    bareEncoder.flush();
    return bareOut.toByteArray();
  }

  private static TokenUsed sampleUse() {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    return TokenUsed.newBuilder()
        .setEventId("0b6f1f4e-7d1a-4c39-9a0e-2f5d8c1b3a03")
        .setOccurredAt(now)
        .setTokenId("5f0c1a9e-2b7d-4c4e-9f61-0d3a7b2c8e15")
        .setSubject("alice@example.com")
        .setTokenClientId("reporting-agent")
        .setPresentedClientId("reporting-agent")
        .setBindingThumbprint("0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I")
        .setSourceAddress("198.51.100.23")
        .setValidatorId("orders-gateway/host-3")
        .setResource("GET /orders/42")
        .setRequiredScopes(List.of("orders:read"))
        .setTokenScopes(List.of("orders:read", "orders:export"))
        .setDecision(UseDecision.ALLOWED)
        .setDenyReason(null)
        .setDetail(null)
        .setUseCount(2L)
        .setMaxUses(10)
        .setTokenExpiresAt(now.plusSeconds(300))
        .setGrantId("grant-5e21")
        .build();
  }
}
