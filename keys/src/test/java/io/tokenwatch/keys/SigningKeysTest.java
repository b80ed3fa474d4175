package io.tokenwatch.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.JWKSet;
import io.tokenwatch.testing.fixtures.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SigningKeysTest {

  @TempDir Path dir;
  final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));

  @Test
  void shouldPersistKeysOwnerOnlyAndReloadThem() throws Exception {
    SigningKeys keys = SigningKeys.open(dir, SigningAlgorithm.EDDSA, clock);

    SigningKeys reopened = SigningKeys.open(dir, SigningAlgorithm.RS256, clock);

    assertThat(reopened.current().kid()).isEqualTo(keys.current().kid());
    assertThat(reopened.current().algorithm()).isEqualTo(SigningAlgorithm.EDDSA);
    try (Stream<Path> files = Files.list(dir.resolve("keys"))) {
      for (Path file : files.toList()) {
        assertThat(Files.getPosixFilePermissions(file))
            .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
      }
    }
    assertThat(keys.jwksJson()).doesNotContain("\"d\"");
  }

  @Test
  void shouldKeepTheOldPublicKeyPublishedUntilItsLastTokenExpired() throws Exception {
    SigningKeys keys = SigningKeys.open(dir, SigningAlgorithm.EDDSA, clock);
    String old = keys.current().kid();

    SigningKey created = keys.rotate(SigningAlgorithm.RS256, Duration.ofMinutes(15));

    assertThat(keys.current()).isEqualTo(created);
    assertThat(JWKSet.parse(keys.jwksJson()).getKeys())
        .extracting(jwk -> jwk.getKeyID())
        .containsExactlyInAnyOrder(old, created.kid());
    assertThat(keys.verifier(old)).isPresent();

    clock.advance(Duration.ofMinutes(14));
    assertThat(SigningKeys.open(dir, SigningAlgorithm.EDDSA, clock).published()).containsKey(old);
    clock.advance(Duration.ofMinutes(2));
    SigningKeys later = SigningKeys.open(dir, SigningAlgorithm.EDDSA, clock);
    assertThat(later.published()).containsOnlyKeys(created.kid());
    assertThat(later.current().algorithm()).isEqualTo(SigningAlgorithm.RS256);
  }

  @Test
  void shouldRefuseToLoadWhenTheIssuerHasNoKeysAndNeverCreateOne() {
    assertThatThrownBy(() -> SigningKeys.load(dir, clock))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no signing keys");
    assertThat(dir.resolve("keys")).doesNotExist();
  }

  @Test
  void shouldLoadTheIssuersKeysReadOnlyAndNoticeItsRotationOnReload() throws Exception {
    SigningKeys issuer = SigningKeys.open(dir, SigningAlgorithm.EDDSA, clock);
    SigningKeys loaded = SigningKeys.load(dir, clock);
    assertThat(loaded.current().kid()).isEqualTo(issuer.current().kid());
    assertThat(loaded.jwksJson()).isEqualTo(issuer.jwksJson());
    assertThat(loaded.reload()).isFalse();

    SigningKey created = issuer.rotate(SigningAlgorithm.EDDSA, Duration.ofMinutes(15));

    assertThat(loaded.current().kid()).isNotEqualTo(created.kid());
    assertThat(loaded.reload()).isTrue();
    assertThat(loaded.current().kid()).isEqualTo(created.kid());
    assertThat(loaded.published()).containsOnlyKeys(issuer.published().keySet());
    try (Stream<Path> files = Files.list(dir.resolve("keys"))) {
      assertThat(files.count()).isEqualTo(2);
    }
  }
}
