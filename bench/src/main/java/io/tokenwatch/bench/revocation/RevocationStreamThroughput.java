package io.tokenwatch.bench.revocation;

import io.tokenwatch.bench.streams.GroupLag;
import io.tokenwatch.bench.streams.Load;
import io.tokenwatch.embedded.EmbeddedPlatform;
import io.tokenwatch.events.BindingType;
import io.tokenwatch.events.ChannelBinding;
import io.tokenwatch.events.GrantType;
import io.tokenwatch.events.PolicyRef;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.events.UseDecision;
import io.tokenwatch.revocation.app.RevocationStreamApp;
import io.tokenwatch.revocation.kafka.RevocationStreamConfig;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes {@code TokenUsed} events through the running revocation stream (embedded broker and
 * registry, exactly-once v2) and samples, every two seconds, how many events the stream has
 * committed and how far its consumer group lags behind the topic's end.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar
 * io.tokenwatch.bench.revocation.RevocationStreamThroughput [rate/s, 0 = unthrottled] [seconds]
 * [stream threads]} ({@code -Dtokens=N}: how many distinct tokens, default 10,000), or with {@code
 * ramp <from/s> <step/s> <to/s> <seconds a step> [stream threads]} to find the saturation rate
 * ({@link RateRamp}). A benchmark, not a test: it prints its samples and asserts nothing.
 */
public final class RevocationStreamThroughput {

  private static final Logger log = LoggerFactory.getLogger(RevocationStreamThroughput.class);

  /**
   * Distinct tokens the uses go round, {@code -Dtokens=N} (default 10,000): with few, the record
   * cache folds many uses of a token into one changelog write per commit; with many, nearly every
   * use is a write of its own.
   */
  private static final int TOKENS = Integer.getInteger("tokens", 10_000);

  private static final int USES_PER_TOKEN_BEFORE_LIMIT = 1_000_000;

  private RevocationStreamThroughput() {}

  public static void main(String[] args) throws Exception {
    Load load = Load.parse(args);
    Path dir = Files.createTempDirectory("revocation-bench");
    try (EmbeddedPlatform platform = EmbeddedPlatform.builder(dir).build().start()) {
      run(platform, dir, load, load.threads());
    }
  }

  private static void run(EmbeddedPlatform platform, Path dir, Load load, int threads)
      throws Exception {
    String appId = "bench-revocation-" + UUID.randomUUID();
    SerdeConfig serdes = SerdeConfig.of(platform.schemaRegistryClientSettings());
    var registry = new HttpSchemaRegistryClient(serdes.registrySettings());
    Map<String, Object> config = new HashMap<>();
    config.put(RevocationStreamConfig.BOOTSTRAP_SERVERS, platform.bootstrapServers());
    config.putAll(platform.schemaRegistryClientSettings());
    config.put(RevocationStreamConfig.APPLICATION_ID, appId);
    config.put(RevocationStreamConfig.STATE_DIR, dir.resolve("state").toString());
    config.put(RevocationStreamConfig.HTTP_PORT, 0);
    config.put(RevocationStreamConfig.NUM_STREAM_THREADS, threads);
    try (RevocationStreamApp app = RevocationStreamApp.start(config);
        Admin admin = Admin.create(Map.of("bootstrap.servers", platform.bootstrapServers()));
        KafkaProducer<byte[], byte[]> producer = producer(platform.bootstrapServers())) {
      while (!app.isRunning()) {
        TimeUnit.MILLISECONDS.sleep(100); // a harness poll, not a test wait
      }
      Instant now = Instant.now();
      var issuedSerializer =
          AvroSerdes.specific(TokenIssued.class, registry, serdes, false).serializer();
      var usedSerializer =
          AvroSerdes.specific(TokenUsed.class, registry, serdes, false).serializer();
      List<byte[]> ids = new ArrayList<>();
      List<byte[]> uses = new ArrayList<>();
      for (int i = 0; i < TOKENS; i++) {
        String jti = "bench-" + i;
        ids.add(jti.getBytes(StandardCharsets.UTF_8));
        var unused =
            producer.send(
                new ProducerRecord<>(
                    Topics.TOKEN_ISSUED.name(),
                    ids.get(i),
                    issuedSerializer.serialize(Topics.TOKEN_ISSUED.name(), issued(jti, now))));
        uses.add(usedSerializer.serialize(Topics.TOKEN_USED.name(), used(jti, now)));
      }
      producer.flush();

      int[] next = {0};
      Runnable sendOne =
          () -> {
            int i = next[0];
            var unused =
                producer.send(
                    new ProducerRecord<>(Topics.TOKEN_USED.name(), ids.get(i), uses.get(i)));
            next[0] = (i + 1) % TOKENS;
          };
      GroupLag lag = new GroupLag(admin, appId);
      load.offer(sendOne, lag, TOKENS, System.out);
      log.info("done");
    }
  }

  private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap,
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.LINGER_MS_CONFIG,
            10,
            ProducerConfig.BATCH_SIZE_CONFIG,
            256 * 1024,
            ProducerConfig.COMPRESSION_TYPE_CONFIG,
            "lz4"),
        new ByteArraySerializer(),
        new ByteArraySerializer());
  }

  private static TokenIssued issued(String jti, Instant now) {
    return TokenIssued.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setOccurredAt(now)
        .setTokenId(jti)
        .setIssuer("https://issuer.example")
        .setSubject("subject-" + jti)
        .setClientId("bench-client")
        .setAudience("bench-api")
        .setScopes(List.of("read"))
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpiresAt(now.plus(Duration.ofHours(1)))
        .setMaxUses(USES_PER_TOKEN_BEFORE_LIMIT)
        .setGrantId("grant-" + jti)
        .setGrantType(GrantType.CLIENT_CREDENTIALS)
        .setLineage(List.of())
        .setChannelBinding(ChannelBinding.newBuilder().setType(BindingType.NONE).build())
        .setPolicy(PolicyRef.newBuilder().setPolicyId("p").setPolicyVersion("1").build())
        .setRuleId("r")
        .setGrantedBy("bench-client")
        .setReason("bench")
        .setSigningKeyId("k")
        .build();
  }

  private static TokenUsed used(String jti, Instant now) {
    return TokenUsed.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setOccurredAt(now)
        .setTokenId(jti)
        .setValidatorId("bench-validator")
        .setResource("GET /x")
        .setRequiredScopes(List.of("read"))
        .setTokenScopes(List.of("read"))
        .setDecision(UseDecision.ALLOWED)
        .setUseCount(1)
        .setTokenExpiresAt(now.plus(Duration.ofHours(1)))
        .build();
  }
}
