package io.tokenwatch.signals;

import static io.tokenwatch.testing.architecture.ServiceBoundaries.domainFreeOfTransport;
import static io.tokenwatch.testing.architecture.ServiceBoundaries.productionClasses;
import static io.tokenwatch.testing.architecture.ServiceBoundaries.serviceStandsAlone;

import com.tngtech.archunit.core.domain.JavaClasses;
import org.junit.jupiter.api.Test;

/** This service imports no other service nor the embedded platform; its domain, no transport. */
class ServiceBoundariesTest {

  private final JavaClasses classes = productionClasses("io.tokenwatch.signals");

  @Test
  void shouldImportNoOtherServiceNorTheEmbeddedPlatform() {
    serviceStandsAlone("io.tokenwatch.signals").check(classes);
  }

  @Test
  void shouldKeepTheDomainFreeOfKafkaHttpAndJdbcTypes() {
    domainFreeOfTransport("io.tokenwatch.signals").check(classes);
  }
}
