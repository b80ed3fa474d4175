package io.tokenwatch.issuer.kafka;

import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS;
import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS_SECRET;
import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS_SERVICE;
import static io.tokenwatch.issuer.testkit.TestIssuer.basic;
import static io.tokenwatch.issuer.testkit.TestIssuer.form;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.issuer.testkit.Json;
import io.tokenwatch.issuer.testkit.StubSchemaRegistry;
import io.tokenwatch.issuer.testkit.TestIssuer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaEventLogTest {

  @TempDir Path dir;

  @Test
  void shouldAnswer503WithoutATokenWhenKafkaIsUnreachable() {
    Duration timeout = Duration.ofMillis(500);
    try (KafkaEventLog log =
            new KafkaEventLog(
                KafkaEventLog.producer(KafkaEventLog.producerConfig("127.0.0.1:1", timeout)),
                new StubSchemaRegistry(),
                timeout);
        TestIssuer issuer = new TestIssuer(dir, log)) {

      HttpResponse<String> response =
          issuer.postForm(
              "/oauth2/token",
              form("grant_type", "client_credentials", "audience", ORDERS, "scope", "orders:read"),
              basic(ORDERS_SERVICE, ORDERS_SECRET));

      assertThat(response.statusCode()).isEqualTo(503);
      assertThat(Json.field(response.body(), "error")).isEqualTo("temporarily_unavailable");
      assertThat(response.body()).doesNotContain("access_token");
      assertThat(issuer.get("/metrics").body())
          .contains("tokenwatch_issuer_produce_failures_total{event=\"token_issued\"}");
    }
  }
}
