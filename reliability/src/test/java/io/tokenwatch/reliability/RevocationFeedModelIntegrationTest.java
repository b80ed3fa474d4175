package io.tokenwatch.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.issuer.server.IssuerConfig;
import io.tokenwatch.issuer.server.IssuerServer;
import io.tokenwatch.revocation.app.RevocationStreamApp;
import io.tokenwatch.revocation.kafka.RevocationStreamConfig;
import io.tokenwatch.revocation.kafka.RevocationTopology;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.TopicEnsurer;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.testing.fixtures.TestEvents;
import io.tokenwatch.validator.RevocationIndex;
import io.tokenwatch.validator.VerifiedToken;
import io.tokenwatch.validator.kafka.RevocationFeed;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.AfterFailureMode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jspecify.annotations.Nullable;

/**
 * The revocation feed's contract against a reference model, on a real broker: whatever sequence of
 * revocations of every kind and watermark arrives, from the admin API of two issuer instances, RFC
 * 7009, max-use enforcement and a producer that keys its requests its own way, interleaved with
 * forced compaction of {@code tokenwatch.revocations}, restarts of either of two revocation stream
 * instances and validators started from scratch, every validator's decision for every token equals
 * the model's: a plain map from feed key to the highest watermark ever requested for it.
 *
 * <p>The compacted topic is configured to roll a segment every 100 ms and to clean as soon as
 * anything is dirty, and the {@code compact} step waits until the broker's cleaner has left at most
 * one record per key: a validator started afterwards reads only what compaction kept, which is
 * where a weaker record written last would undo a revocation.
 */
@Tag("integration")
class RevocationFeedModelIntegrationTest {

  private static final Duration BOUND = Duration.ofSeconds(90);
  private static final Duration MAX_TTL = Duration.ofHours(1);
  private static final String AUDIENCE = Pipeline.AUDIENCE;

  private static @Nullable Platform platform;
  private static final AtomicInteger worlds = new AtomicInteger();

  @BeforeContainer
  static void startPlatform() throws IOException {
    platform = Platform.start(Files.createTempDirectory("feed-model"));
  }

  @AfterContainer
  static void stopPlatform() {
    if (platform != null) {
      platform.close();
    }
  }

  @Property(
      tries = 8,
      shrinking = ShrinkingMode.BOUNDED,
      afterFailure = AfterFailureMode.SAMPLE_FIRST)
  void everyValidatorDecidesAsTheModelWhateverTheOrderOfRevocations(
      @ForAll("operations") List<Op> operations) {
    run(operations);
  }

  /** The repro of the weaker token revocation that compaction kept (admin API, one issuer). */
  @Example
  void aTokenRevokedAndThenRevokedAgainWithAnOldWatermarkStaysRevokedAfterCompaction() {
    run(
        List.of(
            new AdminRevoke(0, Kind.TOKEN, 0, Mark.NONE),
            new Settle(),
            new AdminRevoke(0, Kind.TOKEN, 0, Mark.EPOCH),
            new Compact(),
            new NewValidator()));
  }

  /** A subject revocation followed by a narrower one, through the other issuer. */
  @Example
  void aSubjectRevocationFollowedByANarrowerOneKeepsTheBroaderAfterCompaction() {
    run(
        List.of(
            new AdminRevoke(0, Kind.SUBJECT, 0, Mark.FUTURE),
            new Settle(),
            new AdminRevoke(1, Kind.SUBJECT, 0, Mark.MID),
            new Compact(),
            new NewValidator()));
  }

  /** Requests for one selector keyed differently by their producers reach one merging writer. */
  @Example
  void requestsForOneSelectorUnderDifferentKeysAreMergedByOneWriter() {
    run(
        List.of(
            new ForeignRequest(Kind.CLIENT, 1, Mark.FUTURE, "elsewhere-1"),
            new Settle(),
            new ForeignRequest(Kind.CLIENT, 1, Mark.MID, "elsewhere-2"),
            new ForeignRequest(Kind.CLIENT, 1, Mark.EPOCH, "elsewhere-3"),
            new Compact(),
            new NewValidator()));
  }

  /** Every kind revoked while the stream restarts: the fast path covers each. */
  @Example
  void everyKindIsDeniedWhileTheStreamRestarts() {
    run(
        List.of(
            new RestartStream(),
            new AdminRevoke(0, Kind.SUBJECT, 1, Mark.NONE),
            new AdminRevoke(1, Kind.CLIENT, 0, Mark.NONE),
            new AdminRevoke(0, Kind.AUDIENCE, 1, Mark.NONE),
            new AdminRevoke(1, Kind.GRANT, 0, Mark.NONE),
            new ClientRevoke(1),
            new NewValidator()));
  }

  private static void run(List<Op> operations) {
    Platform p = requireNonNull(platform);
    World world = p.newWorld("w" + worlds.incrementAndGet());
    Map<String, Long> model = new HashMap<>();
    Map<String, Integer> steps = new java.util.TreeMap<>();
    int decisions = 0;
    for (Op op : operations) {
      op.apply(p, world, model);
      decisions += p.checkEveryValidator(world, model, op);
      steps.merge(op.getClass().getSimpleName(), 1, Integer::sum);
    }
    Map<String, Object> figures = new LinkedHashMap<>(steps);
    figures.put("decisionsCompared", decisions);
    figures.put("keysInModel", model.size());
    Figures.record("Revocation feed against its model (" + world.ns + ")", figures);
  }

  // ---- operations ------------------------------------------------------------------------------

  /** What a selector names, with the values a world has for it. */
  enum Kind {
    TOKEN,
    LINEAGE,
    GRANT,
    SUBJECT,
    CLIENT,
    AUDIENCE;

    String prefix() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Kinds that name a population still receiving tokens: no watermark means the request time. */
    boolean defaultsToRequestTime() {
      return this == GRANT || this == SUBJECT || this == CLIENT || this == AUDIENCE;
    }
  }

  /** The watermarks a request may carry, relative to the world's token ages. */
  enum Mark {
    NONE,
    /** Before every token: revokes nothing. */
    EPOCH,
    /** Between the early and the late tokens. */
    MID,
    /** After every token, and after tokens issued during the test. */
    FUTURE
  }

  sealed interface Op {
    void apply(Platform platform, World world, Map<String, Long> model);
  }

  /** An admin revocation through issuer instance 0 or 1. */
  record AdminRevoke(int issuer, Kind kind, int value, Mark mark) implements Op {
    @Override
    public void apply(Platform platform, World world, Map<String, Long> model) {
      String value = world.value(kind, this.value);
      Instant watermark = world.watermark(mark);
      long requestedAt = System.currentTimeMillis();
      HttpResponse<String> response = platform.adminRevoke(issuer, kind, value, watermark);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
      model.merge(key(kind, value), modelWatermark(kind, watermark, requestedAt), Math::max);
    }
  }

  /**
   * A revocation request produced straight to the request topic under a key of the producer's
   * choosing, as another tool (or the detector's auto-response with another partitioner) might.
   */
  record ForeignRequest(Kind kind, int value, Mark mark, String recordKey) implements Op {
    @Override
    public void apply(Platform platform, World world, Map<String, Long> model) {
      String value = world.value(kind, this.value);
      Instant watermark = world.watermark(mark);
      long requestedAt = System.currentTimeMillis();
      platform.produceRequest(recordKey, kind, value, watermark, Instant.ofEpochMilli(requestedAt));
      model.merge(key(kind, value), modelWatermark(kind, watermark, requestedAt), Math::max);
    }
  }

  /** A client revokes one of its access tokens (RFC 7009): its whole lineage. */
  record ClientRevoke(int token) implements Op {
    @Override
    public void apply(Platform platform, World world, Map<String, Long> model) {
      World.Issued issued = world.issued.get(token % world.issued.size());
      HttpResponse<String> response = platform.clientRevoke(issued.issuer(), issued.jwt());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      model.merge(key(Kind.LINEAGE, issued.token().tokenId()), Long.MAX_VALUE, Math::max);
    }
  }

  /** A token with {@code max_uses} 1 used twice: the stream revokes it. */
  record MaxUse(int token) implements Op {
    @Override
    public void apply(Platform platform, World world, Map<String, Long> model) {
      VerifiedToken t = world.synthetic.get(token % world.synthetic.size());
      platform.useBeyondLimit(t);
      model.merge(key(Kind.TOKEN, t.tokenId()), Long.MAX_VALUE, Math::max);
    }
  }

  /** Waits until the revocation stream has processed every input written so far. */
  record Settle() implements Op {
    @Override
    public void apply(Platform platform, World world, Map<String, Long> model) {
      platform.settleStream();
    }
  }

  /** Waits until the broker's cleaner has compacted the feed to one record per key. */
  record Compact() implements Op {
    @Override
    public void apply(Platform platform, World world, Map<String, Long> model) {
      platform.compactFeed();
    }
  }

  /** Stops one of the two revocation stream instances and starts it again on its state. */
  record RestartStream() implements Op {
    @Override
    public void apply(Platform platform, World world, Map<String, Long> model) {
      platform.restartStream();
    }
  }

  /** A validator started from scratch, reading only what is on the topics now. */
  record NewValidator() implements Op {
    @Override
    public void apply(Platform platform, World world, Map<String, Long> model) {
      platform.startValidator();
    }
  }

  @Provide
  Arbitrary<List<Op>> operations() {
    Arbitrary<Kind> kinds = Arbitraries.of(Kind.class);
    Arbitrary<Mark> marks = Arbitraries.of(Mark.class);
    Arbitrary<Integer> values = Arbitraries.integers().between(0, 3);
    Arbitrary<Op> admin =
        Combinators.combine(Arbitraries.integers().between(0, 1), kinds, values, marks)
            .as((issuer, kind, value, mark) -> (Op) new AdminRevoke(issuer, kind, value, mark));
    Arbitrary<Op> foreign =
        Combinators.combine(
                kinds, values, marks, Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(8))
            .as((kind, value, mark, key) -> (Op) new ForeignRequest(kind, value, mark, key));
    Arbitrary<Op> client = Arbitraries.integers().between(0, 1).map(i -> (Op) new ClientRevoke(i));
    Arbitrary<Op> maxUse = Arbitraries.integers().between(0, 15).map(i -> (Op) new MaxUse(i));
    Arbitrary<Op> settle = Arbitraries.<Op>just(new Settle());
    Arbitrary<Op> compact = Arbitraries.<Op>just(new Compact());
    Arbitrary<Op> restart = Arbitraries.<Op>just(new RestartStream());
    Arbitrary<Op> validator = Arbitraries.<Op>just(new NewValidator());
    return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(8, admin),
            net.jqwik.api.Tuple.of(2, foreign),
            net.jqwik.api.Tuple.of(1, client),
            net.jqwik.api.Tuple.of(2, maxUse),
            net.jqwik.api.Tuple.of(3, settle),
            net.jqwik.api.Tuple.of(2, compact),
            net.jqwik.api.Tuple.of(1, restart),
            net.jqwik.api.Tuple.of(2, validator))
        .list()
        .ofMinSize(6)
        .ofMaxSize(16);
  }

  // ---- the model
  // ---------------------------------------------------------------------------------

  static String key(Kind kind, String value) {
    return kind.prefix() + ":" + value;
  }

  /** The watermark a request gets: its own; else the request time or none, by kind. */
  static long modelWatermark(Kind kind, @Nullable Instant watermark, long requestedAt) {
    if (watermark != null) {
      return watermark.toEpochMilli();
    }
    return kind.defaultsToRequestTime() ? requestedAt : Long.MAX_VALUE;
  }

  /** Whether the model revokes the token: a key naming it holds a watermark above its iat. */
  static boolean modelRevokes(Map<String, Long> model, VerifiedToken token) {
    long iat = token.issuedAt().toEpochMilli();
    List<String> keys = new ArrayList<>();
    keys.add(key(Kind.TOKEN, token.tokenId()));
    keys.add(key(Kind.LINEAGE, token.tokenId()));
    token.lineage().forEach(ancestor -> keys.add(key(Kind.LINEAGE, ancestor)));
    if (token.grantId() != null) {
      keys.add(key(Kind.GRANT, token.grantId()));
    }
    keys.add(key(Kind.SUBJECT, token.subject()));
    keys.add(key(Kind.CLIENT, token.clientId()));
    token.audience().forEach(aud -> keys.add(key(Kind.AUDIENCE, aud)));
    for (String key : keys) {
      Long watermark = model.get(key);
      if (watermark != null && iat < watermark) {
        return true;
      }
    }
    return false;
  }

  // ---- the world: tokens and selector values of one try ----------------------------------------

  static final class World {
    record Issued(int issuer, String jwt, VerifiedToken token) {}

    final String ns;
    final Instant early;
    final Instant late;
    final Instant mid;
    final Instant future;
    final List<VerifiedToken> synthetic = new ArrayList<>();
    final List<Issued> issued = new ArrayList<>();

    World(String ns, Instant now) {
      this.ns = ns;
      this.early = now.minus(Duration.ofMinutes(40)).truncatedTo(ChronoUnit.SECONDS);
      this.late = now.minus(Duration.ofMinutes(10)).truncatedTo(ChronoUnit.SECONDS);
      this.mid = now.minus(Duration.ofMinutes(25)).truncatedTo(ChronoUnit.SECONDS);
      this.future = now.plus(Duration.ofMinutes(30)).truncatedTo(ChronoUnit.SECONDS);
      int n = 0;
      for (int subject = 0; subject < 2; subject++) {
        for (int client = 0; client < 2; client++) {
          for (int audience = 0; audience < 2; audience++) {
            for (Instant iat : List.of(early, late)) {
              String jti = ns + "-t" + n;
              // Every odd token is delegated from the one before it.
              List<String> lineage = n % 2 == 1 ? List.of(ns + "-t" + (n - 1)) : List.of();
              synthetic.add(
                  token(
                      jti,
                      ns + "-s" + subject,
                      ns + "-c" + client,
                      ns + "-a" + audience,
                      ns + "-g" + ((subject + client) % 2),
                      lineage,
                      iat));
              n++;
            }
          }
        }
      }
    }

    String value(Kind kind, int index) {
      return switch (kind) {
        case TOKEN -> tokenIds().get(index % tokenIds().size());
        case LINEAGE -> synthetic.get((index * 2) % synthetic.size()).tokenId();
        case GRANT -> ns + "-g" + (index % 2);
        case SUBJECT -> ns + "-s" + (index % 2);
        case CLIENT -> ns + "-c" + (index % 2);
        case AUDIENCE -> ns + "-a" + (index % 2);
      };
    }

    private List<String> tokenIds() {
      List<String> ids = new ArrayList<>();
      issued.forEach(i -> ids.add(i.token().tokenId()));
      synthetic.forEach(t -> ids.add(t.tokenId()));
      return ids;
    }

    @Nullable Instant watermark(Mark mark) {
      return switch (mark) {
        case NONE -> null;
        case EPOCH -> Instant.parse("1970-01-01T00:00:01Z");
        case MID -> mid;
        case FUTURE -> future;
      };
    }

    List<VerifiedToken> tokens() {
      List<VerifiedToken> all = new ArrayList<>(synthetic);
      issued.forEach(i -> all.add(i.token()));
      return all;
    }

    static VerifiedToken token(
        String jti,
        String subject,
        String client,
        String audience,
        @Nullable String grant,
        List<String> lineage,
        Instant iat) {
      return new VerifiedToken(
          jti,
          "https://issuer.example",
          subject,
          List.of(audience),
          client,
          Set.of(),
          iat,
          null,
          iat.plus(MAX_TTL),
          1,
          grant,
          null,
          null,
          null,
          null,
          null,
          null,
          lineage.isEmpty() ? null : lineage.get(lineage.size() - 1),
          lineage,
          "kid");
    }
  }

  // ---- the platform --------------------------------------------------------------------------

  static final class Platform implements AutoCloseable {
    private final Path dataDir;
    private final KafkaPlatform kafka;
    private final List<IssuerServer> issuers = new ArrayList<>();
    private final Deque<RevocationFeed> validators = new ArrayDeque<>();
    private final AtomicInteger compactions = new AtomicInteger();
    // Two instances of the revocation stream share its partitions, as in production.
    private final RevocationStreamApp[] streams = new RevocationStreamApp[2];
    private int restarts;

    private Platform(Path dataDir, KafkaPlatform kafka) {
      this.dataDir = dataDir;
      this.kafka = kafka;
    }

    static Platform start(Path dataDir) {
      KafkaPlatform kafka = KafkaPlatform.start(dataDir, Map.of("log.cleaner.backoff.ms", "50"));
      Platform platform = new Platform(dataDir, kafka);
      try {
        platform.startAll();
        return platform;
      } catch (RuntimeException e) {
        platform.close();
        throw e;
      }
    }

    private void startAll() {
      try (Admin admin = admin()) {
        new TopicEnsurer(
                admin,
                new HttpSchemaRegistryClient(serdes().registrySettings()),
                Duration.ofSeconds(30))
            .ensure(Topics.ALL);
        // Roll a segment every 100 ms and clean whatever is dirty: compaction within seconds.
        ConfigResource feed =
            new ConfigResource(ConfigResource.Type.TOPIC, Topics.REVOCATIONS.name());
        List<AlterConfigOp> ops = new ArrayList<>();
        Map.of(
                "segment.ms", "100",
                "min.cleanable.dirty.ratio", "0.01",
                "min.compaction.lag.ms", "0",
                "delete.retention.ms", "100")
            .forEach(
                (k, v) ->
                    ops.add(new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET)));
        admin.incrementalAlterConfigs(Map.of(feed, ops)).all().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("cannot set up the feed topic", e);
      }
      startStream(0);
      startStream(1);
      Path policy = Pipeline.samplePolicy(dataDir.resolve("policy.yaml"));
      for (int i = 0; i < 2; i++) {
        int port = Pipeline.freePort();
        Map<String, Object> settings = clients();
        settings.put(IssuerConfig.ISSUER_URL, "http://localhost:" + port);
        settings.put(IssuerConfig.PORT, port);
        settings.put(IssuerConfig.POLICY_FILE, policy.toString());
        settings.put(IssuerConfig.DATA_DIR, dataDir.resolve("issuer-" + i).toString());
        settings.put(IssuerConfig.TTL_CEILING_SECONDS, MAX_TTL.toSeconds());
        settings.put(IssuerConfig.INSTANCE_ID, "feed-model-issuer-" + i);
        issuers.add(IssuerServer.start(IssuerConfig.of(settings)));
      }
      startValidator(); // the one that runs through every try
    }

    private Map<String, Object> clients() {
      Map<String, Object> clients = new LinkedHashMap<>();
      clients.put("bootstrap.servers", kafka.bootstrapServers());
      clients.put("schema.registry.url", kafka.schemaRegistryUrl());
      return clients;
    }

    private SerdeConfig serdes() {
      return SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, kafka.schemaRegistryUrl()));
    }

    private Admin admin() {
      return Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
    }

    private void startStream(int instance) {
      Map<String, Object> settings = new LinkedHashMap<>();
      settings.put(RevocationStreamConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
      settings.put(RevocationStreamConfig.SCHEMA_REGISTRY_URL, kafka.schemaRegistryUrl());
      settings.put(
          RevocationStreamConfig.STATE_DIR, dataDir.resolve("stream-" + instance).toString());
      settings.put(RevocationStreamConfig.HTTP_PORT, 0);
      settings.put(RevocationStreamConfig.INTROSPECTION_SECRET_SHA256, Introspection.secretHash());
      settings.put(RevocationStreamConfig.MAX_TOKEN_TTL_MS, MAX_TTL.toMillis());
      settings.put(RevocationStreamConfig.TOMBSTONE_PUNCTUATION_MS, 500L);
      settings.put(RevocationStreamConfig.EXPIRY_PUNCTUATION_MS, 500L);
      settings.put(RevocationStreamConfig.STREAMS_PREFIX + "session.timeout.ms", 6000);
      streams[instance] = RevocationStreamApp.start(settings);
    }

    /** Stops one instance of the stream (each in turn) and starts it again on its state. */
    void restartStream() {
      int instance = restarts++ % streams.length;
      requireNonNull(streams[instance]).close();
      streams[instance] = null;
      startStream(instance);
    }

    void startValidator() {
      Map<String, Object> consumer = new HashMap<>();
      consumer.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
      consumer.put(ConsumerConfig.CLIENT_ID_CONFIG, "feed-model-validator-" + UUID.randomUUID());
      RevocationFeed feed =
          new RevocationFeed(
              consumer,
              AvroSerdes.specific(
                      Revocation.class,
                      new HttpSchemaRegistryClient(serdes().registrySettings()),
                      serdes(),
                      false)
                  .deserializer(),
              Topics.REVOCATIONS.name(),
              Topics.REVOCATION_FAST_PATH.name(),
              new RevocationIndex(),
              Clock.systemUTC(),
              Duration.ofMillis(100));
      try {
        assertThat(feed.awaitReady(BOUND)).as("a new validator bootstraps").isTrue();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      validators.addLast(feed);
      // The first validator runs throughout; of the later ones, the two newest.
      while (validators.size() > 3) {
        RevocationFeed first = validators.pollFirst();
        RevocationFeed oldest = validators.pollFirst();
        oldest.close();
        validators.addFirst(first);
      }
    }

    World newWorld(String name) {
      World world =
          new World(name + "-" + UUID.randomUUID().toString().substring(0, 8), Instant.now());
      for (int i = 0; i < issuers.size(); i++) {
        HttpResponse<String> response =
            Pipeline.post(
                issuers.get(i).issuerUrl() + "/oauth2/token",
                Pipeline.ORDERS_SERVICE,
                "application/x-www-form-urlencoded",
                "grant_type=client_credentials&audience="
                    + java.net.URLEncoder.encode(AUDIENCE, java.nio.charset.StandardCharsets.UTF_8)
                    + "&scope=orders:read");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        String jwt = Pipeline.accessToken(response);
        world.issued.add(new World.Issued(i, jwt, verified(jwt)));
      }
      return world;
    }

    private static VerifiedToken verified(String jwt) {
      try {
        JWTClaimsSet claims = SignedJWT.parse(jwt).getJWTClaimsSet();
        return World.token(
            claims.getJWTID(),
            claims.getSubject(),
            claims.getStringClaim("client_id"),
            claims.getAudience().get(0),
            null,
            List.of(),
            claims.getIssueTime().toInstant());
      } catch (ParseException e) {
        throw new IllegalStateException("the issuer handed out an unparseable token", e);
      }
    }

    HttpResponse<String> adminRevoke(
        int issuer, Kind kind, String value, @Nullable Instant watermark) {
      String body =
          "{\"kind\":\""
              + kind.prefix()
              + "\",\"value\":\""
              + value
              + "\""
              + (watermark == null ? "" : ",\"issued_before\":\"" + watermark + "\"")
              + ",\"reason\":\"COMPROMISED\"}";
      return Pipeline.post(
          issuers.get(issuer).issuerUrl() + "/admin/revocations",
          Pipeline.SECURITY_CONSOLE,
          "application/json",
          body);
    }

    HttpResponse<String> clientRevoke(int issuer, String jwt) {
      return Pipeline.post(
          issuers.get(issuer).issuerUrl() + "/oauth2/revoke",
          Pipeline.ORDERS_SERVICE,
          "application/x-www-form-urlencoded",
          "token=" + jwt);
    }

    void produceRequest(
        String recordKey,
        Kind kind,
        String value,
        @Nullable Instant watermark,
        Instant requestedAt) {
      RevocationRequested request =
          TestEvents.requested(SelectorKind.valueOf(kind.name()), value, watermark, requestedAt)
              .setReason(RevocationReason.COMPROMISED)
              .setRequestedBy("feed-model-test")
              .build();
      try (KafkaProducer<String, RevocationRequested> producer =
          kafka.producer(RevocationRequested.class)) {
        producer
            .send(new ProducerRecord<>(Topics.REVOCATION_REQUESTS.name(), recordKey, request))
            .get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("cannot produce a revocation request", e);
      }
    }

    void useBeyondLimit(VerifiedToken token) {
      Instant iat = token.issuedAt();
      TokenIssued issued =
          TestEvents.issued(token.tokenId(), iat)
              .setSubject(token.subject())
              .setClientId(token.clientId())
              .setAudience(token.audience().get(0))
              .setExpiresAt(token.expiresAt())
              .setGrantId(requireNonNull(token.grantId()))
              .setMaxUses(1)
              .build();
      try (KafkaProducer<String, TokenIssued> issuance = kafka.producer(TokenIssued.class);
          KafkaProducer<String, TokenUsed> uses = kafka.producer(TokenUsed.class)) {
        issuance
            .send(new ProducerRecord<>(Topics.TOKEN_ISSUED.name(), token.tokenId(), issued))
            .get(30, TimeUnit.SECONDS);
        for (int i = 1; i <= 2; i++) {
          TokenUsed used =
              TestEvents.used(token.tokenId(), Instant.now(), token.expiresAt())
                  .setSubject(token.subject())
                  .setTokenClientId(token.clientId())
                  .setUseCount(i)
                  .setMaxUses(1)
                  .build();
          uses.send(new ProducerRecord<>(Topics.TOKEN_USED.name(), token.tokenId(), used))
              .get(30, TimeUnit.SECONDS);
        }
      } catch (Exception e) {
        throw new IllegalStateException("cannot produce issuance and uses", e);
      }
    }

    /**
     * Waits until the stream's group has committed every record of its inputs written so far, then
     * every record its first step wrote to its repartition topics: with exactly-once, its feed
     * records are then visible.
     */
    void settleStream() {
      String group = "tokenwatch-revocation-stream";
      List<String> sources =
          List.of(
              Topics.REVOCATION_REQUESTS.name(),
              Topics.TOKEN_ISSUED.name(),
              Topics.TOKEN_USED.name());
      List<String> repartitions =
          List.of(
              group + "-" + RevocationTopology.TOKEN_REQUESTS_REPARTITION + "-repartition",
              group + "-" + RevocationTopology.SELECTOR_REQUESTS_REPARTITION + "-repartition");
      try (Admin admin = admin()) {
        Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
        for (List<String> stage : List.of(sources, repartitions)) {
          List<String> topics = stage.stream().filter(existing::contains).toList();
          Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
          admin
              .describeTopics(topics)
              .allTopicNames()
              .get(30, TimeUnit.SECONDS)
              .forEach(
                  (name, description) ->
                      description
                          .partitions()
                          .forEach(
                              p ->
                                  latest.put(
                                      new TopicPartition(name, p.partition()),
                                      OffsetSpec.latest())));
          Map<TopicPartition, Long> end = new HashMap<>();
          admin
              .listOffsets(latest)
              .all()
              .get(30, TimeUnit.SECONDS)
              .forEach((tp, info) -> end.put(tp, info.offset()));
          await()
              .atMost(BOUND)
              .pollInterval(Duration.ofMillis(100))
              .untilAsserted(
                  () -> {
                    Map<TopicPartition, OffsetAndMetadata> committed =
                        admin
                            .listConsumerGroupOffsets(group)
                            .partitionsToOffsetAndMetadata()
                            .get(30, TimeUnit.SECONDS);
                    List<TopicPartition> behind = new ArrayList<>();
                    end.forEach(
                        (tp, offset) -> {
                          OffsetAndMetadata c = committed.get(tp);
                          if (offset > 0 && (c == null || c.offset() < offset)) {
                            behind.add(tp);
                          }
                        });
                    assertThat(behind).as("partitions the stream has not processed yet").isEmpty();
                  });
        }
      } catch (Exception e) {
        throw new IllegalStateException("the revocation stream did not catch up", e);
      }
    }

    /**
     * Waits until every record of the feed below the current end is the only one for its key: rolls
     * the active segments with tombstones of marker keys no token has, while waiting.
     */
    void compactFeed() {
      try (KafkaConsumer<String, byte[]> reader = reader()) {
        List<TopicPartition> partitions =
            reader.partitionsFor(Topics.REVOCATIONS.name()).stream()
                .map(info -> new TopicPartition(info.topic(), info.partition()))
                .toList();
        Map<TopicPartition, Long> end = reader.endOffsets(partitions);
        await()
            .atMost(BOUND)
            .pollInterval(Duration.ofMillis(300))
            .untilAsserted(
                () -> {
                  rollSegments(partitions);
                  assertThat(duplicateKeysBelow(reader, partitions, end))
                      .as("keys with more than one record left by the log cleaner")
                      .isEmpty();
                });
      }
    }

    private void rollSegments(List<TopicPartition> partitions) throws Exception {
      try (KafkaProducer<String, byte[]> producer = kafka.rawProducer()) {
        for (TopicPartition partition : partitions) {
          String marker = "token:compaction-marker-" + compactions.incrementAndGet();
          producer
              .send(
                  new ProducerRecord<>(
                      Topics.REVOCATIONS.name(), partition.partition(), marker, null))
              .get(30, TimeUnit.SECONDS);
        }
      }
    }

    private static List<String> duplicateKeysBelow(
        KafkaConsumer<String, byte[]> reader,
        List<TopicPartition> partitions,
        Map<TopicPartition, Long> end) {
      reader.assign(partitions);
      reader.seekToBeginning(partitions);
      Map<String, Integer> counts = new HashMap<>();
      long deadline = System.currentTimeMillis() + 10_000;
      while (System.currentTimeMillis() < deadline
          && partitions.stream().anyMatch(tp -> reader.position(tp) < end.get(tp))) {
        for (ConsumerRecord<String, byte[]> record : reader.poll(Duration.ofMillis(100))) {
          TopicPartition tp = new TopicPartition(record.topic(), record.partition());
          if (record.offset() < end.get(tp) && record.key() != null) {
            counts.merge(record.key(), 1, Integer::sum);
          }
        }
      }
      return counts.entrySet().stream()
          .filter(e -> e.getValue() > 1)
          .map(Map.Entry::getKey)
          .toList();
    }

    private KafkaConsumer<String, byte[]> reader() {
      Map<String, Object> config = new HashMap<>();
      config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
      config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * Every validator's decision for every token equals the model's, within the bound.
     *
     * @return how many decisions were compared in the final, passing round
     */
    int checkEveryValidator(World world, Map<String, Long> model, Op after) {
      List<RevocationFeed> running = List.copyOf(validators);
      await()
          .atMost(BOUND)
          .pollInterval(Duration.ofMillis(100))
          .untilAsserted(
              () -> {
                List<String> wrong = new ArrayList<>();
                for (int v = 0; v < running.size(); v++) {
                  RevocationFeed feed = running.get(v);
                  for (VerifiedToken token : world.tokens()) {
                    boolean expected = modelRevokes(model, token);
                    boolean actual = feed.revokedBy(token) != null;
                    if (expected != actual) {
                      wrong.add(
                          "validator "
                              + v
                              + (expected ? " allows " : " denies ")
                              + token.tokenId()
                              + " (iat "
                              + token.issuedAt()
                              + ")");
                    }
                  }
                }
                assertThat(wrong).as("after %s, with model %s", after, model).isEmpty();
              });
      return running.size() * world.tokens().size();
    }

    @Override
    public void close() {
      validators.forEach(RevocationFeed::close);
      issuers.forEach(IssuerServer::close);
      for (RevocationStreamApp stream : streams) {
        if (stream != null) {
          stream.close();
        }
      }
      kafka.close();
    }
  }

  private static <T> T requireNonNull(@Nullable T value) {
    return java.util.Objects.requireNonNull(value);
  }
}
