package io.tokenwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code tokenwatch up} on free ports: a stock Kafka client and plain HTTP can use what it prints.
 */
@Tag("integration")
class UpCommandIntegrationTest {

  private static final Pattern READY =
      Pattern.compile("tokenwatch up: bootstrap\\.servers=(\\S+) schema\\.registry\\.url=(\\S+) ");

  @TempDir Path dataDir;

  @Test
  void shouldPrintAddressesThatStockClientsCanUseAndStopCleanly() throws Exception {
    CommandLine cli = Tokenwatch.commandLine();
    StringWriter out = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    CompletableFuture<Integer> exit =
        CompletableFuture.supplyAsync(
            () ->
                cli.execute(
                    "up",
                    "--data-dir",
                    dataDir.toString(),
                    "--kafka-port",
                    "0",
                    "--registry-port",
                    "0"));

    await().atMost(Duration.ofSeconds(90)).until(() -> READY.matcher(out.toString()).find());
    Matcher ready = READY.matcher(out.toString());
    assertThat(ready.find()).isTrue();
    String bootstrap = ready.group(1);
    String registry = ready.group(2);

    assertThat(produceAndConsume(bootstrap)).isEqualTo("hello");
    HttpResponse<String> subjects =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(registry + "/subjects")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(subjects.statusCode()).isEqualTo(200);
    assertThat(subjects.body()).startsWith("[").contains("\"tokenwatch.revocations-value\"");

    ((UpCommand) cli.getSubcommands().get("up").getCommand()).requestStop();
    assertThat(exit.get(60, java.util.concurrent.TimeUnit.SECONDS)).isZero();
  }

  @Test
  void shouldRefuseAnExternalClusterWithoutARegistry() {
    CommandLine cli = Tokenwatch.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err, true));

    int code = cli.execute("up", "--bootstrap-servers", "localhost:1");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("needs both --bootstrap-servers and --schema-registry-url");
  }

  @Test
  void shouldRefuseAPortOutOfRange() {
    CommandLine cli = Tokenwatch.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err, true));

    int code = cli.execute("up", "--data-dir", dataDir.toString(), "--kafka-port", "70000");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--kafka-port must be between 0 and 65535, was 70000");
  }

  private static String produceAndConsume(String bootstrap) throws Exception {
    String topic = "tokenwatch.dead-letters";
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ProducerConfig.ACKS_CONFIG,
                "all"),
            new StringSerializer(),
            new StringSerializer())) {
      producer.send(new ProducerRecord<>(topic, "k", "hello")).get();
    }
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "up-test",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
            new StringDeserializer(),
            new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
          return record.value();
        }
      }
    }
    return "(nothing consumed)";
  }
}
