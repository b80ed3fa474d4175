package io.tokenwatch.console;

import static io.tokenwatch.testing.architecture.ServiceBoundaries.domainFreeOfTransport;
import static io.tokenwatch.testing.architecture.ServiceBoundaries.productionClasses;
import static io.tokenwatch.testing.architecture.ServiceBoundaries.serviceStandsAlone;

import com.tngtech.archunit.core.domain.JavaClasses;
import org.junit.jupiter.api.Test;

/**
 * The console imports no other service nor the embedded platform (it reads Kafka topics and calls
 * the issuer's and the audit sink's HTTP APIs, like any client); what it decides about alerts and
 * the validator fleet is kept free of transport types.
 */
class ServiceBoundariesTest {

  private final JavaClasses classes = productionClasses("io.tokenwatch.console");

  @Test
  void shouldImportNoOtherServiceNorTheEmbeddedPlatform() {
    serviceStandsAlone("io.tokenwatch.console").check(classes);
  }

  @Test
  void shouldKeepTheAlertBoardFreeOfKafkaAndHttpTypes() {
    domainFreeOfTransport("io.tokenwatch.console.alerts").check(classes);
  }

  @Test
  void shouldKeepTheFleetFreeOfKafkaAndHttpTypes() {
    domainFreeOfTransport("io.tokenwatch.console.fleet").check(classes);
  }
}
