package io.tokenwatch.issuer;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The issuer's layers: policy at the bottom, what the endpoint and revocations share above it, then
 * revocation, then the token endpoint; HTTP, Kafka and wiring beside them. The domain stays free of
 * transport types, so it can be tested and reused alone.
 */
class ArchitectureTest {

  private static final String[] DOMAIN = {
    "io.tokenwatch.issuer",
    "io.tokenwatch.issuer.policy..",
    "io.tokenwatch.issuer.token..",
    "io.tokenwatch.issuer.revocation..",
    "io.tokenwatch.issuer.consent..",
    "io.tokenwatch.issuer.access.."
  };

  private final JavaClasses classes =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.tokenwatch.issuer");

  @Test
  void shouldKeepTheDomainFreeOfHttpKafkaJdbcAndAvroTypes() {
    noClasses()
        .that()
        .resideInAnyPackage(DOMAIN)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.javalin..",
            "org.eclipse.jetty..",
            "jakarta.servlet..",
            "java.net.http..",
            "org.apache.kafka..",
            "org.apache.avro..",
            "java.sql..",
            "javax.sql..",
            "io.tokenwatch.validator.kafka..",
            "io.tokenwatch.validator.http..",
            "io.tokenwatch.issuer.http..",
            "io.tokenwatch.issuer.kafka..",
            "io.tokenwatch.issuer.server..")
        .because(
            "the issuer's domain (io.tokenwatch.issuer and its policy, token, revocation and"
                + " access packages) holds the issuance and revocation rules; put HTTP code in"
                + " io.tokenwatch.issuer.http, Kafka code in io.tokenwatch.issuer.kafka and wiring"
                + " in io.tokenwatch.issuer.server, and hand the domain what it needs through an"
                + " interface such as EventLog, RefreshGrantStore or RevocationView (the generated"
                + " io.tokenwatch.events classes are the event contract and may be used)")
        .check(classes);
  }

  @Test
  void shouldKeepPolicyFreeOfTheEndpointAndEveryOtherIssuerPackage() {
    noClasses()
        .that()
        .resideInAPackage("io.tokenwatch.issuer.policy..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.tokenwatch.issuer",
            "io.tokenwatch.issuer.token..",
            "io.tokenwatch.issuer.revocation..",
            "io.tokenwatch.issuer.access..",
            "io.tokenwatch.keys..",
            "io.tokenwatch.issuer.http..",
            "io.tokenwatch.issuer.kafka..",
            "io.tokenwatch.issuer.server..")
        .because(
            "policy says what a client may get, whoever asks: the token endpoint, revocations and"
                + " the HTTP API read it, never the other way round; move what policy needs from"
                + " them into io.tokenwatch.issuer.policy or pass it in")
        .check(classes);
  }

  @Test
  void shouldKeepRevocationFreeOfTheTokenEndpoint() {
    noClasses()
        .that()
        .resideInAnyPackage("io.tokenwatch.issuer", "io.tokenwatch.issuer.revocation..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.tokenwatch.issuer.token..")
        .because(
            "the token endpoint uses revocations (a reused refresh token revokes its grant) and"
                + " the shared io.tokenwatch.issuer classes; a dependency back would make the two"
                + " one tangle: move what both need into io.tokenwatch.issuer")
        .check(classes);
  }

  @Test
  void shouldKeepTheTokenEndpointAndRevocationFreeOfAccessRequests() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "io.tokenwatch.issuer",
            "io.tokenwatch.issuer.token..",
            "io.tokenwatch.issuer.revocation..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.tokenwatch.issuer.access..")
        .because(
            "access requests produce policy exceptions that issuance reads as plain data"
                + " (io.tokenwatch.issuer.policy.PolicyException, handed to TokenService by the"
                + " wiring); the token endpoint must not reach into the approval workflow")
        .check(classes);
  }

  @Test
  void shouldKeepTheSharedPackageFreeOfRevocation() {
    noClasses()
        .that()
        .resideInAPackage("io.tokenwatch.issuer")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.tokenwatch.issuer.revocation..")
        .because(
            "io.tokenwatch.issuer holds what the token endpoint and revocations share, so it"
                + " depends on neither")
        .check(classes);
  }
}
