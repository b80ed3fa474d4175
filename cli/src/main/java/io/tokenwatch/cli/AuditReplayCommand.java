package io.tokenwatch.cli;

import io.tokenwatch.audit.AuditFilter;
import io.tokenwatch.audit.app.AuditSinkApp;
import io.tokenwatch.audit.kafka.ReplayPublisher;
import io.tokenwatch.audit.kafka.StoreReplay;
import io.tokenwatch.audit.store.AuditQueries;
import io.tokenwatch.audit.store.AuditStore;
import io.tokenwatch.audit.store.ReplayLines;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
import java.io.BufferedOutputStream;
import java.io.Console;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
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
      "A progress bar and rate go to stderr when it is a terminal."
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
    Progress progress = Progress.onTerminal(spec.commandLine().getErr());
    long count;
    String target = toTopic;
    if (target != null && (Topics.byName(target).isPresent() || target.isBlank())) {
      throw new IllegalArgumentException(
          "--to-topic must be a new topic, not one of the catalogue's (" + target + ")");
    }
    if (origin == Origin.store) {
      LocalAuditSource local = source.local();
      AuditFilter filter = local.filter(f, 1);
      try (AuditStore store = local.open()) {
        AuditQueries queries = new AuditQueries(store);
        progress.total(progress.enabled() ? queries.count(filter) : -1);
        if (target != null) {
          count = storeToTopic(queries, filter, target, progress);
          progress.done(count);
          spec.commandLine().getErr().printf("published %d events to %s%n", count, target).flush();
          return 0;
        }
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
        count = n[0];
      }
    } else {
      count = fromKafka(f, out, progress);
    }
    out.flush();
    progress.done(count);
    return 0;
  }

  private long storeToTopic(
      AuditQueries queries, AuditFilter filter, String target, Progress progress) {
    // look the catalogue schemas up, never register: the replay writes nothing to live subjects
    SerdeConfig serde =
        SerdeConfig.of(
            Map.of(
                SerdeConfig.SCHEMA_REGISTRY_URL,
                schemaRegistryUrl,
                SerdeConfig.AUTO_REGISTER_SCHEMAS,
                false));
    Serializer<GenericRecord> values =
        AvroSerdes.generic(new HttpSchemaRegistryClient(serde.registrySettings()), serde, false)
            .serializer();
    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      return StoreReplay.toTopic(queries, filter, order, target, producer, values, progress::step)
          .published();
    }
  }

  private KafkaProducer<byte[], byte[]> producer() {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrapServers,
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
            true,
            ProducerConfig.CLIENT_ID_CONFIG,
            "tokenwatch-audit-replay"),
        new ByteArraySerializer(),
        new ByteArraySerializer());
  }

  private long fromKafka(AuditFilters f, PrintWriter out, Progress progress) {
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
    SerdeConfig serde = SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, schemaRegistryUrl));
    Deserializer<GenericRecord> decoder =
        AvroSerdes.generic(new HttpSchemaRegistryClient(serde.registrySettings()), serde, false)
            .deserializer();
    String target = toTopic;
    KafkaProducer<byte[], byte[]> producer = target == null ? null : producer();
    ReplayPublisher publisher =
        producer == null || target == null ? null : new ReplayPublisher(producer, target);
    long n = 0;
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : AuditSinkApp.TOPICS) {
        for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
          partitions.add(new TopicPartition(topic, info.partition()));
        }
      }
      consumer.assign(partitions);
      Map<TopicPartition, Long> times = new HashMap<>();
      partitions.forEach(p -> times.put(p, from));
      Map<TopicPartition, OffsetAndTimestamp> starts =
          consumer.offsetsForTimes(times, Duration.ofSeconds(30));
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(30));
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
        for (Map.Entry<TopicPartition, Long> end : List.copyOf(remaining.entrySet())) {
          if (consumer.position(end.getKey()) >= end.getValue()) {
            remaining.remove(end.getKey());
          }
        }
      }
      if (publisher != null) {
        // every record written, or the replay fails instead of reporting what it lost
        publisher.finish();
      }
    } finally {
      if (producer != null) {
        producer.close();
      }
    }
    return n;
  }

  private static String json(
      Deserializer<GenericRecord> decoder, ConsumerRecord<byte[], byte[]> record) {
    String type = "undecodable";
    String eventId = "";
    String body;
    try {
      GenericRecord event = decoder.deserialize(record.topic(), record.headers(), record.value());
      type = event.getSchema().getName();
      Object id = event.getSchema().getField("event_id") == null ? null : event.get("event_id");
      eventId = id == null ? "" : id.toString();
      body = GenericData.get().toString(event);
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

  /** A progress bar with rate on stderr, drawn only when there is a terminal. */
  static final class Progress {
    private final @Nullable PrintWriter err;
    private final long started = System.nanoTime();
    private long total = -1;
    private long lastDrawn;

    private Progress(@Nullable PrintWriter err) {
      this.err = err;
    }

    static Progress onTerminal(PrintWriter err) {
      return new Progress(onTerminal() ? err : null);
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

    boolean enabled() {
      return err != null;
    }

    void total(long events) {
      total = events;
    }

    void step(long done) {
      PrintWriter terminal = err;
      if (terminal == null) {
        return;
      }
      long now = System.nanoTime();
      if (now - lastDrawn < 200_000_000L) {
        return;
      }
      lastDrawn = now;
      draw(terminal, done, now);
    }

    void done(long done) {
      PrintWriter terminal = err;
      if (terminal != null) {
        draw(terminal, done, System.nanoTime());
        terminal.println();
        terminal.flush();
      }
    }

    private void draw(PrintWriter terminal, long done, long now) {
      double seconds = Math.max(1e-9, (now - started) / 1e9);
      String bar = "";
      if (total > 0) {
        int filled = (int) Math.min(30, done * 30 / total);
        bar =
            "["
                + "#".repeat(filled)
                + " ".repeat(30 - filled)
                + "] "
                + Math.min(100, done * 100 / total)
                + "% ";
      }
      terminal.printf("\r%s%,d events, %,.0f events/s", bar, done, done / seconds);
      terminal.flush();
    }
  }
}
