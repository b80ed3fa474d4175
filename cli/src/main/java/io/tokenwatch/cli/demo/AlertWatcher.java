package io.tokenwatch.cli.demo;

import io.tokenwatch.events.AlertRule;
import io.tokenwatch.events.SecurityAlert;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Follows {@code tokenwatch.security-alerts} the way a security team's tool would, from the end of
 * the topic when the demo starts, narrating each alert as it arrives.
 */
final class AlertWatcher implements AutoCloseable {

  private final KafkaConsumer<String, SecurityAlert> consumer;
  private final Narrator narrator;
  private final List<SecurityAlert> alerts = new CopyOnWriteArrayList<>();
  private final Thread thread;
  private volatile boolean running = true;

  AlertWatcher(String bootstrapServers, String schemaRegistryUrl, Narrator narrator) {
    this.narrator = narrator;
    SerdeConfig serdes = SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, schemaRegistryUrl));
    Map<String, Object> settings = new HashMap<>();
    settings.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumer =
        new KafkaConsumer<>(
            settings,
            new StringDeserializer(),
            AvroSerdes.specific(
                    SecurityAlert.class,
                    new HttpSchemaRegistryClient(serdes.registrySettings()),
                    serdes,
                    false)
                .deserializer());
    List<TopicPartition> partitions = new ArrayList<>();
    consumer
        .partitionsFor(Topics.SECURITY_ALERTS.name())
        .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    partitions.forEach(consumer::position); // fix the start before any traffic
    thread = new Thread(this::follow, "demo-alert-watcher");
    thread.setDaemon(true);
    thread.start();
  }

  private void follow() {
    try {
      while (running) {
        for (ConsumerRecord<String, SecurityAlert> record : consumer.poll(Duration.ofMillis(200))) {
          SecurityAlert alert = record.value();
          if (alert == null) {
            continue;
          }
          alerts.add(alert);
          narrator.say(
              alert.getRevision() == 0 ? "ALERT" : "UPDATED",
              alert.getRule()
                  + " ("
                  + alert.getSeverity()
                  + ") "
                  + alert.getSummary()
                  + (alert.getRevision() == 0
                      ? ""
                      : " [update " + alert.getRevision() + ", covers " + alert.getCovers() + "]")
                  + (alert.getAutoResponse() == null ? "" : " [auto-response: revoked]"));
        }
      }
    } catch (WakeupException stopping) {
      // close() woke the poll.
    } catch (RuntimeException e) {
      narrator.say("ERROR", "the alert watcher stopped: " + e);
    } finally {
      consumer.close();
    }
  }

  /** Every alert seen so far. */
  List<SecurityAlert> alerts() {
    return List.copyOf(alerts);
  }

  /** Whether an alert of {@code rule} matching {@code which} has arrived. */
  boolean seen(AlertRule rule, Predicate<SecurityAlert> which) {
    return alerts.stream().anyMatch(a -> a.getRule() == rule && which.test(a));
  }

  /** How many incidents (alert ids; an update is not another) arrived per rule. */
  Map<AlertRule, Integer> countsByRule() {
    Map<AlertRule, Integer> counts = new EnumMap<>(AlertRule.class);
    alerts.stream()
        .filter(a -> a.getRevision() == 0)
        .forEach(a -> counts.merge(a.getRule(), 1, Integer::sum));
    return counts;
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    consumer.wakeup();
    thread.join(10_000);
  }
}
