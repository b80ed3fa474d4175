package io.tokenwatch.cli;

import io.tokenwatch.audit.AuditFilter;
import io.tokenwatch.audit.app.AuditSinkApp;
import io.tokenwatch.audit.kafka.ReplayFailure;
import io.tokenwatch.audit.kafka.ReplayPublisher;
import io.tokenwatch.audit.kafka.ReplayTopic;
import io.tokenwatch.audit.kafka.StoreReplay;
import io.tokenwatch.audit.store.AuditQueries;
import io.tokenwatch.audit.store.AuditStore;
import io.tokenwatch.audit.store.ReplayLines;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryException;
import io.tokenwatch.schemas.registry.SchemaRegistryUnavailableException;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
import java.io.BufferedOutputStream;
import java.io.Console;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.LongSupplier;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tokenwatch audit replay}: streams history between two times, from the store or straight
 * from Kafka, as JSON lines or into another topic.
 */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    description = {
      "Streams history in original order as JSON lines on stdout, or re-publishes it to a new"
          + " topic (--to-topic): from Kafka byte for byte; from the store each event rebuilt"
          + " as its catalogue record (Confluent wire format), keyed as its topic keys it, with"
          + " headers naming its source topic, partition and offset.",
      "From the store: --order time (occurred_at, then topic, partition, offset) or partition"
          + " (each source partition in its original order). From Kafka (--source kafka): every"
          + " event topic from offsetsForTimes(--from) up to --to, each partition in order.",
      "A missing --to-topic is created (1 partition, retention.ms=-1) or the refusal reported."
          + " Progress goes to stderr (a bar on a terminal, else a line every 10 s), then a"
          + " summary line. Every Kafka and schema registry call is bounded by --timeout; a"
          + " service that cannot be reached or does not answer ends the replay with exit code 1."
    })
final class AuditReplayCommand implements Callable<Integer> {

  /** Where to replay from. */
  enum Origin {
    store,
    kafka
  }

  /**
   * Whether the command line writes to the process's standard output (set by {@code main}), so a
   * replay may write bytes straight to it instead of through the command's writer.
   */
  static volatile boolean rawStdout;

  @Spec CommandSpec spec;
  @Mixin AuditStoreOptions source;

  @Mixin TimeoutOption timeoutOption;

  @ArgGroup(exclusive = false)
  @Nullable AuditFilters filters;

  @Option(names = "--source", defaultValue = "store", description = "store or kafka.")
  Origin origin = Origin.store;

  @Option(names = "--order", defaultValue = "time", description = "time or partition (store).")
  AuditQueries.Order order = AuditQueries.Order.TIME;

  @Option(names = "--to-topic", description = "Re-publish to this topic instead of stdout.")
  @Nullable String toTopic;

  @Option(
      names = "--bootstrap-servers",
      defaultValue = "localhost:9092",
      description = "Kafka, for --source kafka and --to-topic. Default: ${DEFAULT-VALUE}.")
  String bootstrapServers = "localhost:9092";

  @Option(
      names = "--schema-registry-url",
      defaultValue = "http://localhost:8081",
      description =
          "Schema registry: to decode events from Kafka, and to look up the catalogue schemas"
              + " of a replay to a topic from the store. Default: ${DEFAULT-VALUE}.")
  String schemaRegistryUrl = "http://localhost:8081";

  @Override
  public Integer call() {
    AuditFilters f = AuditFilters.orNone(filters);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Duration timeout = timeoutOption.timeout();
    Progress progress = Progress.onStderr(err, System::nanoTime);
    long count;
    String target = toTopic;
    if (target != null && (Topics.byName(target).isPresent() || target.isBlank())) {
      throw new IllegalArgumentException(
          "--to-topic must be a new topic, not one of the catalogue's (" + target + ")");
    }
    // the target exists before the first record is sent: a producer would otherwise wait for it
    ReplayTopic.Outcome topic = target == null ? null : ensureTopic(target, timeout);
    if (origin == Origin.store) {
      LocalAuditSource local = source.local();
      AuditFilter filter = local.filter(f, 1);
      try (AuditStore store = local.open()) {
        AuditQueries queries = new AuditQueries(store);
        progress.total(queries.count(filter));
        if (target != null) {
          count = storeToTopic(queries, filter, target, progress, timeout);
        } else {
          count = storeToStdout(queries, filter, out, progress);
        }
      }
    } else {
      count = fromKafka(f, out, progress, timeout);
    }
    out.flush();
    progress.done(count);
    if (topic == null) {
      err.printf("replayed %d events to stdout%n", count);
    } else {
      err.printf("replayed %d events to topic %s (%s)%n", count, topic.topic(), topic.describe());
    }
    err.flush();
    return 0;
  }

  private long storeToStdout(
      AuditQueries queries, AuditFilter filter, PrintWriter out, Progress progress) {
    long[] n = {0};
    if (rawStdout) {
      // the lines go to standard output as the store renders them, bytes never decoded
      out.flush();
      OutputStream stdout = new BufferedOutputStream(System.out, 1 << 16);
      queries.replayLines(
          filter,
          order,
          line -> {
            try {
              stdout.write(line);
              stdout.write('\n');
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
            progress.step(++n[0]);
          });
      try {
        stdout.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    } else {
      queries.replayLines(
          filter,
          order,
          line -> {
            out.println(new String(line, StandardCharsets.UTF_8));
            progress.step(++n[0]);
          });
    }
    return n[0];
  }

  private ReplayTopic.Outcome ensureTopic(String target, Duration timeout) {
    int millis = millis(timeout);
    try (Admin admin =
        Admin.create(
            Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                AdminClientConfig.CLIENT_ID_CONFIG,
                "tokenwatch-audit-replay",
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                millis,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                millis))) {
      return ReplayTopic.ensure(admin, target);
    } catch (ReplayFailure e) {
      throw new ReplayFailure("Kafka at " + bootstrapServers + ": " + e.getMessage(), e.getCause());
    }
  }

  /**
   * The registry client's settings: each request bounded by {@code timeout} and retried once, so a
   * registry that accepts connections and never answers fails the replay instead of stalling it.
   */
  private SerdeConfig registry(Duration timeout, boolean autoRegister) {
    int millis = millis(timeout);
    return SerdeConfig.of(
        Map.of(
            SerdeConfig.SCHEMA_REGISTRY_URL,
            schemaRegistryUrl,
            SerdeConfig.AUTO_REGISTER_SCHEMAS,
            autoRegister,
            SerdeConfig.CONNECT_TIMEOUT_MS,
            millis,
            SerdeConfig.REQUEST_TIMEOUT_MS,
            millis,
            SerdeConfig.MAX_RETRIES,
            1));
  }

  private ReplayFailure registryFailure(RuntimeException e) {
    return new ReplayFailure(
        "schema registry at " + displayed(schemaRegistryUrl) + ": " + e.getMessage(), e);
  }

  /** The URL without user info, fit for a message. */
  private static String displayed(String url) {
    try {
      URI uri = new URI(url);
      return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(), null, null)
          .toString();
    } catch (URISyntaxException e) {
      return "(an invalid URL)";
    }
  }

  private static int millis(Duration timeout) {
    return (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
  }

  private long storeToTopic(
      AuditQueries queries,
      AuditFilter filter,
      String target,
      Progress progress,
      Duration timeout) {
    // look the catalogue schemas up, never register: the replay writes nothing to live subjects
    SerdeConfig serde = registry(timeout, false);
    Serializer<GenericRecord> values =
        AvroSerdes.generic(new HttpSchemaRegistryClient(serde.registrySettings()), serde, false)
            .serializer();
    KafkaProducer<byte[], byte[]> producer = producer(timeout);
    try {
      return StoreReplay.toTopic(queries, filter, order, target, producer, values, progress::step)
          .published();
    } catch (SchemaRegistryUnavailableException | SchemaRegistryException e) {
      throw registryFailure(e);
    } finally {
      producer.close(timeout);
    }
  }

  /**
   * An idempotent producer whose every wait is bounded: {@code max.block.ms} for metadata and
   * buffer space, {@code delivery.timeout.ms} for a record's acknowledgement.
   */
  private KafkaProducer<byte[], byte[]> producer(Duration timeout) {
    int millis = millis(timeout);
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrapServers,
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
            true,
            ProducerConfig.CLIENT_ID_CONFIG,
            "tokenwatch-audit-replay",
            ProducerConfig.MAX_BLOCK_MS_CONFIG,
            millis,
            ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
            millis,
            // at least linger.ms + request.timeout.ms, as the producer requires
            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
            (int) Math.min(Integer.MAX_VALUE, 2L * millis + 1000)),
        new ByteArraySerializer(),
        new ByteArraySerializer());
  }

  private long fromKafka(AuditFilters f, PrintWriter out, Progress progress, Duration timeout) {
    Clock clock = Clock.systemUTC();
    TimePoint earliest = f.from;
    TimePoint latest = f.to;
    long from = earliest == null ? 0 : earliest.at(clock).toEpochMilli();
    long to = latest == null ? Long.MAX_VALUE : latest.at(clock).toEpochMilli();
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, "tokenwatch-audit-replay");
    config.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, millis(timeout));
    config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis(timeout));
    SerdeConfig serde = registry(timeout, false);
    Deserializer<GenericRecord> decoder =
        AvroSerdes.generic(new HttpSchemaRegistryClient(serde.registrySettings()), serde, false)
            .deserializer();
    String target = toTopic;
    KafkaProducer<byte[], byte[]> producer = target == null ? null : producer(timeout);
    ReplayPublisher publisher =
        producer == null || target == null ? null : new ReplayPublisher(producer, target);
    long n = 0;
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : AuditSinkApp.TOPICS) {
        for (PartitionInfo info : consumer.partitionsFor(topic, timeout)) {
          partitions.add(new TopicPartition(topic, info.partition()));
        }
      }
      consumer.assign(partitions);
      Map<TopicPartition, Long> times = new HashMap<>();
      partitions.forEach(p -> times.put(p, from));
      Map<TopicPartition, OffsetAndTimestamp> starts = consumer.offsetsForTimes(times, timeout);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, timeout);
      Map<TopicPartition, Long> remaining = new HashMap<>();
      long total = 0;
      for (TopicPartition partition : partitions) {
        OffsetAndTimestamp start = starts.get(partition);
        long end = ends.getOrDefault(partition, 0L);
        long first = start == null ? end : start.offset();
        consumer.seek(partition, first);
        if (first < end) {
          remaining.put(partition, end);
          total += end - first;
        }
      }
      progress.total(total);
      long lastMoved = System.nanoTime();
      Map<TopicPartition, Long> positions = new HashMap<>();
      while (!remaining.isEmpty()) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          TopicPartition partition = new TopicPartition(record.topic(), record.partition());
          Long end = remaining.get(partition);
          if (end == null) {
            continue;
          }
          if (record.offset() + 1 >= end) {
            remaining.remove(partition);
          }
          if (record.timestamp() >= to) {
            remaining.remove(partition);
            continue;
          }
          if (record.value() == null) {
            continue;
          }
          if (publisher != null) {
            publisher.copy(record);
          } else {
            out.println(json(decoder, record));
          }
          progress.step(++n);
        }
        boolean moved = false;
        for (Map.Entry<TopicPartition, Long> end : List.copyOf(remaining.entrySet())) {
          long position = consumer.position(end.getKey());
          Long before = positions.put(end.getKey(), position);
          moved |= before == null || before != position;
          if (position >= end.getValue()) {
            remaining.remove(end.getKey());
            moved = true;
          }
        }
        // a broker gone mid-replay leaves poll() returning nothing, forever
        if (moved) {
          lastMoved = System.nanoTime();
        } else if (System.nanoTime() - lastMoved > timeout.toNanos()) {
          throw new ReplayFailure(
              "Kafka at "
                  + bootstrapServers
                  + ": no record read within "
                  + timeout
                  + " (--timeout) while "
                  + remaining.size()
                  + " partition(s) still had records to replay",
              null);
        }
      }
      if (publisher != null) {
        // every record written, or the replay fails instead of reporting what it lost
        publisher.finish();
      }
    } catch (org.apache.kafka.common.errors.TimeoutException e) {
      throw new ReplayFailure(
          "Kafka at "
              + bootstrapServers
              + " did not answer within "
              + timeout
              + " (--timeout): "
              + e.getMessage(),
          e);
    } finally {
      if (producer != null) {
        producer.close(timeout);
      }
    }
    return n;
  }

  /**
   * One JSON line for a record read from Kafka. A record the registry cannot help decode (bad
   * bytes, a schema id it does not hold) is reported as {@code undecodable}; a registry that cannot
   * be reached or does not answer fails the replay, since every line after would be a lie.
   */
  private String json(Deserializer<GenericRecord> decoder, ConsumerRecord<byte[], byte[]> record) {
    String type = "undecodable";
    String eventId = "";
    String body;
    try {
      GenericRecord event = decoder.deserialize(record.topic(), record.headers(), record.value());
      type = event.getSchema().getName();
      Object id = event.getSchema().getField("event_id") == null ? null : event.get("event_id");
      eventId = id == null ? "" : id.toString();
      body = GenericData.get().toString(event);
    } catch (SchemaRegistryUnavailableException | SchemaRegistryException e) {
      throw registryFailure(e);
    } catch (RuntimeException e) {
      body = "null";
    }
    return ReplayLines.line(
        type,
        record.timestamp(),
        record.topic(),
        record.partition(),
        record.offset(),
        eventId,
        body);
  }

  /**
   * Progress on stderr: on a terminal a bar with rate, redrawn in place; otherwise (a log, a pipe)
   * a line every {@link #LINE_INTERVAL}, so a long replay is seen to move and a short one prints
   * none.
   */
  static final class Progress {
    static final Duration LINE_INTERVAL = Duration.ofSeconds(10);

    private final PrintWriter err;
    private final boolean terminal;
    private final LongSupplier nanoTime;
    private final long started;
    private long total = -1;
    private long lastDrawn;

    Progress(PrintWriter err, boolean terminal, LongSupplier nanoTime) {
      this.err = err;
      this.terminal = terminal;
      this.nanoTime = nanoTime;
      this.started = nanoTime.getAsLong();
      this.lastDrawn = started;
    }

    static Progress onStderr(PrintWriter err, LongSupplier nanoTime) {
      return new Progress(err, onTerminal(), nanoTime);
    }

    /**
     * Whether standard input and output are a terminal. Up to JDK 21 {@code System.console()} is
     * null otherwise; from JDK 22 it is not, and {@code Console.isTerminal()} (absent from release
     * 17, hence reflection) tells.
     */
    @SuppressWarnings("SystemConsoleNull")
    private static boolean onTerminal() {
      Console console = System.console();
      if (console == null) {
        return false;
      }
      try {
        return Boolean.TRUE.equals(Console.class.getMethod("isTerminal").invoke(console));
      } catch (NoSuchMethodException e) {
        return true;
      } catch (ReflectiveOperationException e) {
        return false;
      }
    }

    void total(long events) {
      total = events;
    }

    void step(long done) {
      long now = nanoTime.getAsLong();
      long interval = terminal ? 200_000_000L : LINE_INTERVAL.toNanos();
      if (now - lastDrawn < interval) {
        return;
      }
      lastDrawn = now;
      if (terminal) {
        err.print("\r" + bar(done) + count(done) + ", " + rate(done, now));
      } else {
        String percent = total > 0 ? " (" + Math.min(100, done * 100 / total) + "%)" : "";
        err.println("replay: " + count(done) + percent + ", " + rate(done, now));
      }
      err.flush();
    }

    /** Ends the bar on a terminal; the replay's summary line follows. */
    void done(long done) {
      if (terminal) {
        err.println("\r" + bar(done) + count(done) + ", " + rate(done, nanoTime.getAsLong()));
        err.flush();
      }
    }

    private String bar(long done) {
      if (total <= 0) {
        return "";
      }
      int filled = (int) Math.min(30, done * 30 / total);
      return "["
          + "#".repeat(filled)
          + " ".repeat(30 - filled)
          + "] "
          + Math.min(100, done * 100 / total)
          + "% ";
    }

    private String count(long done) {
      return total > 0
          ? String.format(Locale.ROOT, "%,d of %,d events", done, total)
          : String.format(Locale.ROOT, "%,d events", done);
    }

    private String rate(long done, long now) {
      double seconds = Math.max(1e-9, (now - started) / 1e9);
      return String.format(Locale.ROOT, "%,.0f events/s", done / seconds);
    }
  }
}
