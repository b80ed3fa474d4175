package io.tokenwatch.issuer;

import static io.tokenwatch.testing.architecture.ServiceBoundaries.domainFreeOfTransport;
import static io.tokenwatch.testing.architecture.ServiceBoundaries.productionClasses;
import static io.tokenwatch.testing.architecture.ServiceBoundaries.serviceStandsAlone;

import com.tngtech.archunit.core.domain.JavaClasses;
import org.junit.jupiter.api.Test;

/** This service imports no other service nor the embedded platform; its domain, no transport. */
class ServiceBoundariesTest {

  private final JavaClasses classes = productionClasses("io.tokenwatch.issuer");

  @Test
  void shouldImportNoOtherServiceNorTheEmbeddedPlatform() {
    serviceStandsAlone("io.tokenwatch.issuer").check(classes);
  }

  @Test
  void shouldKeepTheDomainFreeOfKafkaHttpAndJdbcTypes() {
    domainFreeOfTransport("io.tokenwatch.issuer").check(classes);
  }
}
