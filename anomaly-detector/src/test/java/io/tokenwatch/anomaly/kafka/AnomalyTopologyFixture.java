package io.tokenwatch.anomaly.kafka;

import static io.tokenwatch.anomaly.kafka.DetectorDriver.START;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.anomaly.scenarios.EventFactory;
import io.tokenwatch.anomaly.scenarios.Input;
import io.tokenwatch.events.AlertRule;
import io.tokenwatch.events.GrantType;
import io.tokenwatch.events.SecurityAlert;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;

/**
 * What the topology tests share: a {@link DetectorDriver} (default settings, restartable with
 * overrides, closed after each test), the event factory, and the helpers that issue and use a token
 * of alice's at a time after {@link DetectorDriver#START}.
 */
abstract class AnomalyTopologyFixture {

  static final List<String> SCOPES = List.of("orders:read");
  final EventFactory events = new EventFactory(42);
  DetectorDriver driver = new DetectorDriver(Map.of());

  @AfterEach
  void tearDown() {
    driver.close();
  }

  void restart(Map<String, ?> overrides) {
    driver.close();
    driver = new DetectorDriver(overrides);
  }

  Input issue(String token, Instant at) {
    return issue(token, "alice", "app", at, null);
  }

  Input issue(String token, String subject, String client, Instant at, Integer maxUses) {
    return events.issued(
        token,
        subject,
        client,
        "grant-" + subject,
        SCOPES,
        at,
        Duration.ofMinutes(10),
        maxUses,
        GrantType.CLIENT_CREDENTIALS);
  }

  EventFactory.Use use(String token, Instant at) {
    return new EventFactory.Use(token, "alice", "app", at)
        .scopes(SCOPES, SCOPES)
        .token(at.plus(Duration.ofMinutes(10)), "grant-alice");
  }

  static Instant at(long seconds) {
    return START.plusSeconds(seconds);
  }

  SecurityAlert single(AlertRule rule) {
    List<SecurityAlert> alerts = driver.alerts();
    assertThat(alerts).extracting(SecurityAlert::getRule).containsExactly(rule);
    return alerts.get(0);
  }
}
