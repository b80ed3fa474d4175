package io.tokenwatch.signals.stream;

import static io.tokenwatch.testing.architecture.ServiceBoundaries.domainFreeOfTransport;
import static io.tokenwatch.testing.architecture.ServiceBoundaries.productionClasses;

import org.junit.jupiter.api.Test;

/** Stream management is domain: it is handed plain JSON values, never HTTP or Kafka types. */
class StreamDomainBoundariesTest {

  @Test
  void shouldKeepStreamManagementFreeOfKafkaHttpAndJdbcTypes() {
    domainFreeOfTransport("io.tokenwatch.signals.stream")
        .check(productionClasses("io.tokenwatch.signals"));
  }
}
