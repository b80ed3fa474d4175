package io.tokenwatch.issuer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwatch.issuer.policy.Policy;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IssuerMetricsTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final IssuerMetrics metrics =
      new IssuerMetrics(
          registry,
          () -> new Policy("p", "v1", Map.of(), Map.of(), Set.of(), Policy.DEFAULT_ADMIN_SCOPE));

  @Test
  void shouldKeepCountingOnTheSameMetersAcrossCalls() {
    for (int i = 0; i < 3; i++) {
      metrics.issued("someone", "client_credentials");
      metrics.denied("someone", "UNKNOWN_CLIENT");
      metrics.request("token", "issued", Duration.ofMillis(2));
      metrics.produceFailure("token_issued");
    }
    metrics.request("token", "invalid_client", Duration.ofMillis(1));

    assertThat(
            registry
                .get("tokenwatch.issuer.issued")
                .tags("client", "unknown", "grant_type", "client_credentials")
                .counter()
                .count())
        .isEqualTo(3.0);
    assertThat(
            registry
                .get("tokenwatch.issuer.denied")
                .tags("client", "unknown", "reason", "unknown_client")
                .counter()
                .count())
        .isEqualTo(3.0);
    assertThat(
            registry
                .get("tokenwatch.issuer.request")
                .tags("endpoint", "token", "outcome", "issued")
                .timer()
                .count())
        .isEqualTo(3);
    assertThat(registry.get("tokenwatch.issuer.request").timers()).hasSize(2);
    assertThat(
            registry
                .get("tokenwatch.issuer.produce.failures")
                .tags("event", "token_issued")
                .counter()
                .count())
        .isEqualTo(3.0);
  }
}
