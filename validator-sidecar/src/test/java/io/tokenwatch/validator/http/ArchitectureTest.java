package io.tokenwatch.validator.http;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.tokenwatch.testing.architecture.ServiceBoundaries;
import io.tokenwatch.validator.ArchitectureRules;
import org.junit.jupiter.api.Test;

/**
 * The sidecar is a thin HTTP shell over the validator library: route matching stays free of server
 * types, and the sidecar stands alone, needing no other Tokenwatch service.
 */
class ArchitectureTest {

  private final JavaClasses classes =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.tokenwatch.validator.http", "io.tokenwatch.validator.route");

  @Test
  void shouldKeepRouteMatchingFreeOfServerAndKafkaTypes() {
    noClasses()
        .that()
        .resideInAPackage("io.tokenwatch.validator.route..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.javalin..",
            "org.eclipse.jetty..",
            "jakarta.servlet..",
            "org.apache.kafka..",
            "io.tokenwatch.validator.http..")
        .because(
            "routes decide on a method and a target string, so any front end can use them; read"
                + " those from the request in io.tokenwatch.validator.http and pass them in")
        .check(classes);
  }

  @Test
  void shouldNeedNoOtherService() {
    ServiceBoundaries.serviceStandsAlone("io.tokenwatch.validator.http").check(classes);
  }

  @Test
  void shouldReturnTypedOutcomesRatherThanObject() {
    ArchitectureRules.noMethodReturnsObject().check(classes);
  }
}
