package io.tokenwatch.validator.kafka;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.events.UseDecision;
import io.tokenwatch.events.UseDenyReason;
import io.tokenwatch.validator.Decision;
import io.tokenwatch.validator.DecisionListener;
import io.tokenwatch.validator.TokenRequest;
import io.tokenwatch.validator.VerifiedToken;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports every decision as a {@link TokenUsed} event (key: the token id) to {@code
 * tokenwatch.token-used}, asynchronously: {@link #onDecision} only offers to a bounded queue and
 * never blocks a validation. When the queue is full the report is dropped and counted ({@code
 * tokenwatch.usage.reports{outcome=dropped}}), never silently. A background thread builds the
 * events and hands them to an idempotent producer ({@code acks=all}) that batches them.
 *
 * <p>Thread-safe. {@link #close()} sends what is queued (bounded by a timeout) and stops.
 */
public final class UsageReporter implements DecisionListener, MeterBinder, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(UsageReporter.class);
  private static final int DRAIN_BATCH = 512;
  private static final String REPORTS_DESCRIPTION =
      "Usage reports by outcome: sent (acknowledged), failed, dropped (queue full or closed)";

  private record Pending(TokenRequest request, Decision decision, Instant at) {}

  private final Producer<String, TokenUsed> producer;
  private final String topic;
  private final String validatorId;
  private final BlockingQueue<Pending> queue;
  private final Thread sender;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private volatile boolean running = true;

  /**
   * Starts a reporter with its own producer.
   *
   * @param producerConfig Kafka producer settings, at least {@code bootstrap.servers}; idempotence
   *     and {@code acks=all} are enforced
   * @param valueSerializer writes {@code TokenUsed} values (Confluent wire format)
   * @param topic normally {@code tokenwatch.token-used}
   * @param validatorId identifies this validator instance in every event
   * @param queueSize bound on reports waiting to be sent
   */
  public UsageReporter(
      Map<String, Object> producerConfig,
      Serializer<TokenUsed> valueSerializer,
      String topic,
      String validatorId,
      int queueSize) {
    this(createProducer(producerConfig, valueSerializer), topic, validatorId, queueSize);
  }

  /** A reporter sending through {@code producer}, which it closes on {@link #close()}. */
  public UsageReporter(
      Producer<String, TokenUsed> producer, String topic, String validatorId, int queueSize) {
    this.producer = requireNonNull(producer, "producer");
    this.topic = requireNonNull(topic, "topic");
    this.validatorId = requireNonNull(validatorId, "validatorId");
    if (queueSize < 1) {
      throw new IllegalArgumentException("queueSize must be >= 1: " + queueSize);
    }
    this.queue = new ArrayBlockingQueue<>(queueSize);
    this.sender = new Thread(this::run, "tokenwatch-usage-reporter");
    this.sender.setDaemon(true);
    this.sender.start();
  }

  private static Producer<String, TokenUsed> createProducer(
      Map<String, Object> producerConfig, Serializer<TokenUsed> valueSerializer) {
    requireNonNull(producerConfig, "producerConfig");
    requireNonNull(valueSerializer, "valueSerializer");
    Map<String, Object> config = new HashMap<>(producerConfig);
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 20);
    config.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "tokenwatch-validator-usage");
    return new KafkaProducer<>(config, new StringSerializer(), valueSerializer);
  }

  /** Queues the decision for reporting; drops and counts it when the queue is full. */
  @Override
  public void onDecision(TokenRequest request, Decision decision, Instant at) {
    if (!running || !queue.offer(new Pending(request, decision, at))) {
      dropped.incrementAndGet();
    }
  }

  /** Reports dropped because the queue was full or the reporter closed. */
  public long droppedCount() {
    return dropped.get();
  }

  /** Reports the producer acknowledged. */
  public long sentCount() {
    return sent.get();
  }

  private void run() {
    List<Pending> batch = new ArrayList<>(DRAIN_BATCH);
    while (running || !queue.isEmpty()) {
      try {
        Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, DRAIN_BATCH - 1);
        for (Pending pending : batch) {
          send(pending);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        failed.addAndGet(batch.size());
        log.warn("Could not send {} usage reports", batch.size(), e);
      } finally {
        batch.clear();
      }
    }
  }

  private void send(Pending pending) {
    TokenUsed event = toEvent(pending.request(), pending.decision(), pending.at(), validatorId);
    Future<?> unused =
        producer.send(
            new ProducerRecord<>(topic, event.getTokenId(), event),
            (metadata, exception) -> {
              if (exception == null) {
                sent.incrementAndGet();
              } else {
                failed.incrementAndGet();
                log.warn("Usage report not delivered: {}", exception.toString());
              }
            });
  }

  /** The event reporting one decision. Never contains the token or the proof. */
  static TokenUsed toEvent(
      TokenRequest request, Decision decision, Instant at, String validatorId) {
    VerifiedToken token = decision.token();
    TokenUsed.Builder event =
        TokenUsed.newBuilder()
            .setEventId(UUID.randomUUID().toString())
            .setOccurredAt(at)
            .setPresentedClientId(request.presentedClientId())
            .setBindingThumbprint(decision.bindingThumbprint())
            .setSourceAddress(request.sourceAddress())
            .setValidatorId(validatorId)
            .setResource(request.method() + " " + pathOf(request.uri()))
            .setRequiredScopes(request.requiredScopes().stream().sorted().toList())
            .setTokenScopes(token == null ? List.of() : token.scopes().stream().sorted().toList())
            .setUseCount(decision.useCount())
            .setRouteRule(request.rule())
            .setRouteTableVersion(request.ruleVersion());
    if (token != null) {
      event
          .setTokenId(token.tokenId())
          .setSubject(token.subject())
          .setTokenClientId(token.clientId())
          .setMaxUses(token.maxUses())
          .setTokenExpiresAt(token.expiresAt())
          .setGrantId(token.grantId());
    }
    if (decision instanceof Decision.Deny deny) {
      event
          .setDecision(UseDecision.DENIED)
          .setDenyReason(UseDenyReason.valueOf(deny.reason().name()))
          .setDetail(deny.detail());
    } else {
      event.setDecision(UseDecision.ALLOWED);
    }
    return event.build();
  }

  /** The URI's path, without query (which may carry secrets) and fragment. */
  private static String pathOf(String uri) {
    int cut = uri.length();
    int q = uri.indexOf('?');
    int f = uri.indexOf('#');
    if (q >= 0) {
      cut = q;
    }
    if (f >= 0 && f < cut) {
      cut = f;
    }
    String withoutQuery = uri.substring(0, cut);
    int scheme = withoutQuery.indexOf("://");
    if (scheme < 0) {
      return withoutQuery;
    }
    int slash = withoutQuery.indexOf('/', scheme + 3);
    return slash < 0 ? "/" : withoutQuery.substring(slash);
  }

  /**
   * Registers {@code tokenwatch.usage.reports} per {@code outcome} (sent, failed, dropped) and
   * {@code tokenwatch.usage.queue.size}.
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    FunctionCounter.builder("tokenwatch.usage.reports", sent, AtomicLong::get)
        .tag("outcome", "sent")
        .description(REPORTS_DESCRIPTION)
        .register(registry);
    FunctionCounter.builder("tokenwatch.usage.reports", failed, AtomicLong::get)
        .tag("outcome", "failed")
        .description(REPORTS_DESCRIPTION)
        .register(registry);
    FunctionCounter.builder("tokenwatch.usage.reports", dropped, AtomicLong::get)
        .tag("outcome", "dropped")
        .description(REPORTS_DESCRIPTION)
        .register(registry);
    Gauge.builder("tokenwatch.usage.queue.size", queue, BlockingQueue::size)
        .description("Usage reports waiting to be sent")
        .register(registry);
  }

  /** Sends what is queued (waiting up to 10 s), flushes and closes the producer. */
  @Override
  public void close() {
    running = false;
    try {
      sender.join(Duration.ofSeconds(10).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    dropped.addAndGet(queue.size());
    producer.close(Duration.ofSeconds(10));
  }
}
