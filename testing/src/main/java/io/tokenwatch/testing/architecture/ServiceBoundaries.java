package io.tokenwatch.testing.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.List;

/**
 * The boundaries between Tokenwatch's deployables, as ArchUnit rules that each module's tests check
 * against its own production classes: a service never imports another service nor the embedded
 * platform (they talk through Kafka topics and HTTP only, so each deploys and scales alone), a
 * domain package imports no Kafka, HTTP or JDBC type, and the validator library, which gateways and
 * services embed, pulls in no service.
 */
public final class ServiceBoundaries {

  /** The root package of each service. */
  public static final List<String> SERVICES =
      List.of(
          "io.tokenwatch.issuer",
          "io.tokenwatch.revocation",
          "io.tokenwatch.anomaly",
          "io.tokenwatch.audit",
          "io.tokenwatch.validator.http",
          "io.tokenwatch.console",
          "io.tokenwatch.signals");

  /** The one-machine platform: for `up`, the demo and tests, never for a service. */
  public static final String EMBEDDED = "io.tokenwatch.embedded";

  /** The `tokenwatch` command, which starts services: nothing a service may need. */
  public static final String CLI = "io.tokenwatch.cli";

  /** Transport and storage types a domain package must not see. */
  private static final String[] TRANSPORT_AND_STORAGE = {
    "org.apache.kafka..",
    "io.javalin..",
    "org.eclipse.jetty..",
    "jakarta.servlet..",
    "java.net.http..",
    "java.sql..",
    "org.duckdb.."
  };

  private ServiceBoundaries() {}

  /** The production classes under {@code rootPackage}, as this module's classpath has them. */
  public static JavaClasses productionClasses(String rootPackage) {
    return new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
        .importPackages(rootPackage);
  }

  /**
   * The service rooted at {@code service} imports no other service and not the embedded platform.
   */
  public static ArchRule serviceStandsAlone(String service) {
    if (!SERVICES.contains(service)) {
      throw new IllegalArgumentException(service + " is not one of " + SERVICES);
    }
    String[] forbidden =
        SERVICES.stream()
            .filter(other -> !other.equals(service))
            .map(other -> other + "..")
            .toArray(String[]::new);
    return noClasses()
        .that()
        .resideInAPackage(service + "..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(append(append(forbidden, EMBEDDED + ".."), CLI + ".."))
        .because(
            "services talk through Kafka topics and HTTP only, so each deploys, scales and fails"
                + " alone; the embedded platform is for `up`, the demo and tests");
  }

  /** The domain package {@code domainPackage} (not its subpackages) imports no transport types. */
  public static ArchRule domainFreeOfTransport(String domainPackage) {
    return noClasses()
        .that()
        .resideInAPackage(domainPackage)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(TRANSPORT_AND_STORAGE)
        .because(
            "the domain holds the rules and is handed plain values; Kafka, HTTP and JDBC code"
                + " lives in the adapter packages beside it");
  }

  /** The validator library imports no service, not the sidecar and not the embedded platform. */
  public static ArchRule validatorLibraryPullsNoService() {
    return noClasses()
        .that()
        .resideInAPackage("io.tokenwatch.validator..")
        .and()
        .resideOutsideOfPackages(
            "io.tokenwatch.validator.http..", "io.tokenwatch.validator.route..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            append(SERVICES.stream().map(s -> s + "..").toArray(String[]::new), EMBEDDED + ".."))
        .because(
            "gateways and services embed the validator library; it must bring no service with"
                + " it");
  }

  private static String[] append(String[] packages, String more) {
    String[] all = java.util.Arrays.copyOf(packages, packages.length + 1);
    all[packages.length] = more;
    return all;
  }
}
