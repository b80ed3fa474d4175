package io.tokenwatch.cli;

import static io.tokenwatch.cli.PlatformUnderTest.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What each service of {@code tokenwatch up} exports at {@code /metrics}: JVM and process metrics,
 * a description on every series, the sidecar's Kafka consumer metrics, and Kafka Streams metrics
 * only at the recording level (INFO by default).
 */
@Tag("integration")
class ServiceMetricsIntegrationTest {

  private static final List<String> SERVICES =
      List.of("issuer", "introspection", "anomaly", "validator", "audit");
  private static final Pattern HELP = Pattern.compile("(?m)^# HELP (\\S+)(.*)$");

  @TempDir static Path dataDir;

  private static PlatformUnderTest platform;

  @BeforeAll
  static void startUp() {
    platform = PlatformUnderTest.start(dataDir);
  }

  @AfterAll
  static void stopUp() throws Exception {
    platform.close();
  }

  private static String scrape(String service) throws Exception {
    HttpResponse<String> response =
        get(URI.create(platform.endpoint(service)).resolve("/metrics").toString(), Map.of());
    assertThat(response.statusCode()).as(service).isEqualTo(200);
    return response.body();
  }

  @Test
  void shouldExportDescribedJvmAndProcessMetricsOnEveryService() throws Exception {
    for (String service : SERVICES) {
      String metrics = scrape(service);
      Matcher help = HELP.matcher(metrics);
      int described = 0;
      while (help.find()) {
        assertThat(help.group(2).strip()).as(service + ": HELP of " + help.group(1)).isNotEmpty();
        described++;
      }
      assertThat(described).as(service).isPositive();
      assertThat(metrics)
          .as(service)
          .contains("\njvm_memory_used_bytes{")
          .contains("\njvm_threads_live_threads ")
          .contains("\njvm_classes_loaded_classes ")
          .contains("\nprocess_cpu_usage ")
          .contains("\nprocess_uptime_seconds ");
    }
  }

  @Test
  void shouldExportTheSidecarsFeedConsumerMetrics() throws Exception {
    assertThat(scrape("validator"))
        .contains("\nkafka_consumer_fetch_manager_records_lag_max{")
        .contains("client_id=\"tokenwatch-validator");
  }

  @Test
  void shouldExportOnlyStreamsMetricsRecordedAtInfo() {
    for (String service : List.of("introspection", "anomaly")) {
      // The services bind the metrics of new tasks and stores within 10 s; once a store's INFO
      // metric is there, its DEBUG ones would be too.
      await()
          .atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofSeconds(1))
          .untilAsserted(
              () ->
                  assertThat(scrape(service))
                      .as(service)
                      .contains("\nkafka_stream_state_num_entries_active_mem_table{"));
      String metrics;
      try {
        metrics = scrape(service);
      } catch (Exception e) {
        throw new AssertionError(e);
      }
      assertThat(metrics)
          .as(service)
          .doesNotContain("\nkafka_stream_state_put_rate{")
          .doesNotContain("\nkafka_stream_processor_node_process_rate{")
          .doesNotContain("\nkafka_stream_task_process_latency_avg{")
          .contains("\nkafka_stream_thread_poll_rate{");
    }
  }
}
