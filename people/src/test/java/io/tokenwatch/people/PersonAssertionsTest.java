package io.tokenwatch.people;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.tokenwatch.testing.fixtures.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PersonAssertionsTest {

  static final String ISSUER = "http://localhost:9400";
  static final String CONSOLE = "http://localhost:9500";
  static final Person RITA =
      new Person("rita", "Rita Responder", EnumSet.of(Role.RESPONDER, Role.ANALYST), Person.LOCAL);

  final MutableClock clock = new MutableClock(Instant.parse("2026-12-05T09:00:00Z"));
  final byte[] secret = filled(32, (byte) 7);
  final PersonAssertions assertions = PersonAssertions.of(secret, clock);

  @Test
  void shouldCarryThePersonAndTheirRolesToTheService() {
    String header = assertions.sign(RITA, ISSUER, CONSOLE);

    assertThat(assertions.verify(header, ISSUER))
        .isEqualTo(new PersonAssertions.Asserted(RITA, CONSOLE));
  }

  @Test
  void shouldRefuseAnAssertionSeenBefore() {
    String header = assertions.sign(RITA, ISSUER, CONSOLE);
    assertions.verify(header, ISSUER);

    assertThat(assertions.verify(header, ISSUER)).isInstanceOf(PersonAssertions.Refused.class);
  }

  @Test
  void shouldRefuseAnAssertionForAnotherService() {
    String header = assertions.sign(RITA, "http://localhost:9700", CONSOLE);

    assertThat(assertions.verify(header, ISSUER)).isInstanceOf(PersonAssertions.Refused.class);
  }

  @Test
  void shouldRefuseAnAssertionPastItsMinute() {
    String header = assertions.sign(RITA, ISSUER, CONSOLE);
    clock.advance(PersonAssertions.MAX_LIFETIME.plus(PersonAssertions.CLOCK_SKEW).plusSeconds(1));

    assertThat(assertions.verify(header, ISSUER)).isInstanceOf(PersonAssertions.Refused.class);
  }

  @Test
  void shouldRefuseAnAssertionSignedWithAnotherSecret() {
    String forged = PersonAssertions.of(filled(32, (byte) 8), clock).sign(RITA, ISSUER, CONSOLE);

    assertThat(assertions.verify(forged, ISSUER))
        .isEqualTo(new PersonAssertions.Refused("bad signature"));
  }

  @Test
  void shouldRefuseAGenuineSignatureOverALongerLifetime() throws Exception {
    Instant now = clock.instant();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.HS256)
                .type(new com.nimbusds.jose.JOSEObjectType("tokenwatch-person+jwt"))
                .build(),
            new JWTClaimsSet.Builder()
                .issuer(CONSOLE)
                .audience(ISSUER)
                .subject("rita")
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(Duration.ofHours(1))))
                .jwtID("long-lived")
                .build());
    jwt.sign(new MACSigner(secret));

    assertThat(assertions.verify(jwt.serialize(), ISSUER))
        .isInstanceOf(PersonAssertions.Refused.class);
  }

  @Test
  void shouldRefuseGarbageWithoutThrowing() {
    assertThat(assertions.verify("not.a.jwt", ISSUER)).isInstanceOf(PersonAssertions.Refused.class);
    assertThat(assertions.verify("", ISSUER)).isInstanceOf(PersonAssertions.Refused.class);
  }

  @Test
  void shouldRefuseAShortSecret() {
    assertThatThrownBy(() -> PersonAssertions.of(new byte[16], clock))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("32 bytes");
  }

  @Test
  void shouldCreateAnOwnerOnlySecretFileOnceAndReadItBack(@TempDir Path dir) throws Exception {
    Path file = PersonAssertions.createSecretFile(dir.resolve("people-assertion.secret"));
    String first = Files.readString(file);
    PersonAssertions.createSecretFile(file);

    assertThat(Files.readString(file)).isEqualTo(first);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    PersonAssertions fromFile = PersonAssertions.fromSecretFile(file, clock);
    assertThat(fromFile.verify(fromFile.sign(RITA, ISSUER, CONSOLE), ISSUER))
        .isInstanceOf(PersonAssertions.Asserted.class);
  }

  private static byte[] filled(int length, byte value) {
    byte[] bytes = new byte[length];
    Arrays.fill(bytes, value);
    return bytes;
  }
}
