package io.tokenwatch.audit;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The audit domain stays free of transport and storage types, so a third party can reuse it. */
class ArchitectureTest {

  private final JavaClasses classes =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.tokenwatch.audit");

  @Test
  void shouldKeepTheDomainFreeOfKafkaJdbcAndHttpTypes() {
    noClasses()
        .that()
        .resideInAPackage("io.tokenwatch.audit")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "java.sql..",
            "org.duckdb..",
            "org.apache.kafka..",
            "org.apache.avro..",
            "io.javalin..",
            "org.eclipse.jetty..",
            "com.fasterxml.jackson..",
            "io.micrometer..",
            "io.tokenwatch.audit.store..",
            "io.tokenwatch.audit.kafka..",
            "io.tokenwatch.audit.http..",
            "io.tokenwatch.audit.app..")
        .because(
            "io.tokenwatch.audit holds the record model, canonical encoding, hash chain,"
                + " checkpoints, verification and least-privilege rules; put DuckDB code in"
                + " io.tokenwatch.audit.store, Kafka code in io.tokenwatch.audit.kafka, HTTP in"
                + " io.tokenwatch.audit.http and wiring in io.tokenwatch.audit.app, and hand the"
                + " domain plain values")
        .check(classes);
  }

  @Test
  void shouldKeepTheStoreFreeOfKafkaAndHttp() {
    noClasses()
        .that()
        .resideInAPackage("io.tokenwatch.audit.store")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.apache.kafka..",
            "io.javalin..",
            "io.tokenwatch.audit.kafka..",
            "io.tokenwatch.audit.http..")
        .because("the store is used by the sink, the API and the CLI alike")
        .check(classes);
  }

  @Test
  void shouldKeepExplanationsFreeOfStorageKafkaAndHttp() {
    noClasses()
        .that()
        .resideInAPackage("io.tokenwatch.audit.explain")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "java.sql..",
            "org.duckdb..",
            "org.apache.kafka..",
            "org.apache.avro..",
            "io.javalin..",
            "io.tokenwatch.audit.store..",
            "io.tokenwatch.audit.kafka..",
            "io.tokenwatch.audit.http..",
            "io.tokenwatch.audit.app..")
        .because(
            "explanations are built from audit records alone, so the API and the CLI's local"
                + " mode give the same answer; fetch the records in io.tokenwatch.audit.store and"
                + " hand them over")
        .check(classes);
  }
}
