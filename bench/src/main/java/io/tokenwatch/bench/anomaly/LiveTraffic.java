package io.tokenwatch.bench.anomaly;

import io.tokenwatch.events.BindingType;
import io.tokenwatch.events.ChannelBinding;
import io.tokenwatch.events.GrantType;
import io.tokenwatch.events.PolicyRef;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.events.UseDecision;
import io.tokenwatch.schemas.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Ordinary live traffic for the detector benchmarks: {@link #TOKENS} tokens of {@value #CLIENTS}
 * clients (ten subjects each), every use ALLOWED from the subject's own address, stamped with the
 * wall clock as validators would. Not thread-safe.
 */
final class LiveTraffic {

  /** Distinct tokens, {@code -Dtokens=N} (default 10,000). */
  static final int TOKENS = Integer.getInteger("tokens", 10_000);

  static final int CLIENTS = 200;

  private final Serializer<TokenIssued> issued;
  private final Serializer<TokenUsed> used;
  private final SplittableRandom random = new SplittableRandom(1);

  LiveTraffic(Serializer<TokenIssued> issued, Serializer<TokenUsed> used) {
    this.issued = issued;
    this.used = used;
  }

  /**
   * Detector settings given on the command line as {@code -Dset.<key>=<value>} (for example {@code
   * -Dset.streams.consumer.max.partition.fetch.bytes=1048576}), so a run can try a setting without
   * a rebuild; printed, so the output says what ran.
   */
  static Map<String, String> settingsFromSystemProperties() {
    Map<String, String> settings = new TreeMap<>();
    for (String name : System.getProperties().stringPropertyNames()) {
      if (name.startsWith("set.")) {
        settings.put(name.substring("set.".length()), System.getProperty(name));
      }
    }
    if (!settings.isEmpty()) {
      System.out.println("settings: " + settings);
    }
    return settings;
  }

  static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
    return new KafkaProducer<>(
        java.util.Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap,
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.LINGER_MS_CONFIG,
            5,
            ProducerConfig.BATCH_SIZE_CONFIG,
            256 * 1024,
            ProducerConfig.COMPRESSION_TYPE_CONFIG,
            "lz4"),
        new ByteArraySerializer(),
        new ByteArraySerializer());
  }

  private static String token(int i) {
    return "bench-" + i;
  }

  private static String client(int i) {
    return String.format(Locale.ROOT, "client-%03d", i % CLIENTS);
  }

  private static String subject(int i) {
    return "subject-" + (i % (CLIENTS * 10));
  }

  /** Issues every token now. */
  void issueAll(KafkaProducer<byte[], byte[]> producer) {
    Instant now = Instant.now();
    for (int i = 0; i < TOKENS; i++) {
      TokenIssued event =
          TokenIssued.newBuilder()
              .setEventId(UUID.randomUUID().toString())
              .setOccurredAt(now)
              .setTokenId(token(i))
              .setIssuer("https://issuer.example")
              .setSubject(subject(i))
              .setClientId(client(i))
              .setAudience("bench-api")
              .setScopes(List.of("read"))
              .setIssuedAt(now)
              .setNotBefore(now)
              .setExpiresAt(now.plus(Duration.ofHours(1)))
              .setMaxUses(null)
              .setGrantId("grant-" + i)
              .setGrantType(GrantType.CLIENT_CREDENTIALS)
              .setLineage(List.of())
              .setChannelBinding(ChannelBinding.newBuilder().setType(BindingType.NONE).build())
              .setPolicy(PolicyRef.newBuilder().setPolicyId("p").setPolicyVersion("1").build())
              .setRuleId("r")
              .setGrantedBy(client(i))
              .setReason("bench")
              .setSigningKeyId("k")
              .build();
      var unused =
          producer.send(
              new ProducerRecord<>(
                  Topics.TOKEN_ISSUED.name(),
                  null,
                  now.toEpochMilli(),
                  token(i).getBytes(StandardCharsets.UTF_8),
                  issued.serialize(Topics.TOKEN_ISSUED.name(), event)));
    }
    producer.flush();
  }

  /** Sends one ordinary use of a random token, stamped now. */
  void sendUse(KafkaProducer<byte[], byte[]> producer) {
    int i = random.nextInt(TOKENS);
    Instant now = Instant.now();
    TokenUsed event =
        TokenUsed.newBuilder()
            .setEventId(UUID.randomUUID().toString())
            .setOccurredAt(now)
            .setTokenId(token(i))
            .setSubject(subject(i))
            .setTokenClientId(client(i))
            .setSourceAddress("10." + (i % 250) + ".0." + (1 + i % 2))
            .setValidatorId("bench-validator")
            .setResource("GET /x")
            .setRequiredScopes(List.of("read"))
            .setTokenScopes(List.of("read"))
            .setDecision(UseDecision.ALLOWED)
            .setUseCount(1)
            .setTokenExpiresAt(now.plus(Duration.ofHours(1)))
            .setGrantId("grant-" + i)
            .build();
    var unused =
        producer.send(
            new ProducerRecord<>(
                Topics.TOKEN_USED.name(),
                null,
                now.toEpochMilli(),
                token(i).getBytes(StandardCharsets.UTF_8),
                used.serialize(Topics.TOKEN_USED.name(), event)));
  }
}
