package io.tokenwatch.anomaly;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The detection rules stay free of transport types, so they can be tested and reused alone. */
class ArchitectureTest {

  private final JavaClasses classes =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.tokenwatch.anomaly");

  @Test
  void shouldKeepTheRulesFreeOfKafkaAvroAndHttpTypes() {
    noClasses()
        .that()
        .resideInAPackage("io.tokenwatch.anomaly")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.apache.kafka..",
            "org.apache.avro..",
            "io.tokenwatch.events..",
            "io.javalin..",
            "io.micrometer..",
            "com.fasterxml.jackson..",
            "io.tokenwatch.anomaly.kafka..",
            "io.tokenwatch.anomaly.app..")
        .because(
            "io.tokenwatch.anomaly holds the detection rules on event time; translate Avro events"
                + " in io.tokenwatch.anomaly.kafka (Events, ClientSignal, GrantSignal), keep stores and processors"
                + " there, and hand the rules plain values")
        .check(classes);
  }

  @Test
  void shouldBuildTheTopologyWithoutTheService() {
    noClasses()
        .that()
        .resideInAPackage("io.tokenwatch.anomaly.kafka")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.tokenwatch.anomaly.app..", "io.javalin..", "io.micrometer..")
        .because(
            "AnomalyTopology.build and its processors run in a TopologyTestDriver, a replay and"
                + " the service alike; report through AnomalyMetrics and bind Micrometer, HTTP and"
                + " the KafkaStreams lifecycle in io.tokenwatch.anomaly.app")
        .check(classes);
  }
}
