package io.tokenwatch.validator;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.tokenwatch.testing.architecture.ServiceBoundaries;
import org.junit.jupiter.api.Test;

/** The validation rules stay free of transport types, so they can be embedded anywhere. */
class ArchitectureTest {

  private final JavaClasses classes =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.tokenwatch.validator");

  @Test
  void shouldKeepTheDomainFreeOfKafkaHttpAndAvroTypes() {
    noClasses()
        .that()
        .resideInAPackage("io.tokenwatch.validator")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.apache.kafka..",
            "io.javalin..",
            "org.eclipse.jetty..",
            "java.net.http..",
            "org.apache.avro..",
            "io.tokenwatch.events..",
            "io.tokenwatch.validator.kafka..",
            "io.tokenwatch.validator.http..")
        .because(
            "the domain package is what gateways embed; put Kafka code in"
                + " io.tokenwatch.validator.kafka and HTTP code in io.tokenwatch.validator.http,"
                + " and pass what the domain needs through an interface such as RevocationView")
        .check(classes);
  }

  @Test
  void shouldReturnTypedOutcomesRatherThanObject() {
    ArchitectureRules.noMethodReturnsObject().check(classes);
  }

  @Test
  void shouldPullInNoServiceAndNoSidecar() {
    ServiceBoundaries.validatorLibraryPullsNoService().check(classes);
  }
}
