package io.tokenwatch.validator;

import static io.tokenwatch.testing.architecture.ServiceBoundaries.domainFreeOfTransport;
import static io.tokenwatch.testing.architecture.ServiceBoundaries.productionClasses;
import static io.tokenwatch.testing.architecture.ServiceBoundaries.validatorLibraryPullsNoService;

import com.tngtech.archunit.core.domain.JavaClasses;
import org.junit.jupiter.api.Test;

/** The library gateways embed brings no service with it; its core sees no transport types. */
class LibraryBoundariesTest {

  private final JavaClasses classes = productionClasses("io.tokenwatch.validator");

  @Test
  void shouldPullInNoServiceNorTheEmbeddedPlatform() {
    validatorLibraryPullsNoService().check(classes);
  }

  @Test
  void shouldKeepTheVerifierFreeOfKafkaHttpServersAndJdbc() {
    domainFreeOfTransport("io.tokenwatch.validator").check(classes);
  }
}
