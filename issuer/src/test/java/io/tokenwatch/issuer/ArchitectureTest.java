package io.tokenwatch.issuer;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The issuance rules stay free of transport types, so they can be tested and reused alone. */
class ArchitectureTest {

  private final JavaClasses classes =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.tokenwatch.issuer");

  @Test
  void shouldKeepTheDomainFreeOfHttpKafkaAndAvroTypes() {
    noClasses()
        .that()
        .resideInAPackage("io.tokenwatch.issuer")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.javalin..",
            "org.eclipse.jetty..",
            "jakarta.servlet..",
            "org.apache.kafka..",
            "org.apache.avro..",
            "io.tokenwatch.validator.kafka..",
            "io.tokenwatch.validator.http..",
            "io.tokenwatch.issuer.http..",
            "io.tokenwatch.issuer.kafka..",
            "io.tokenwatch.issuer.server..")
        .because(
            "io.tokenwatch.issuer holds the issuance and revocation rules; put HTTP code in"
                + " io.tokenwatch.issuer.http, Kafka code in io.tokenwatch.issuer.kafka and wiring"
                + " in io.tokenwatch.issuer.server, and hand the domain what it needs through an"
                + " interface such as EventLog, RefreshGrantStore or RevocationView (the generated"
                + " io.tokenwatch.events classes are the event contract and may be used)")
        .check(classes);
  }
}
