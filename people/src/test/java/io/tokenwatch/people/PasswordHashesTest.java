package io.tokenwatch.people;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.Test;

class PasswordHashesTest {

  @Test
  void shouldHashWithArgon2idInPhcFormatWithOwaspParameters() {
    String hash = PasswordHashes.hash("s3cret passphrase");

    assertThat(hash).startsWith("$argon2id$v=19$m=19456,t=2,p=1$");
    assertThat(PasswordHashes.problem(hash)).isEmpty();
    assertThat(PasswordHashes.matches("s3cret passphrase", hash)).isTrue();
    assertThat(PasswordHashes.matches("s3cret passphrasf", hash)).isFalse();
  }

  @Test
  void shouldSaltEveryHashAfresh() {
    assertThat(PasswordHashes.hash("same")).isNotEqualTo(PasswordHashes.hash("same"));
  }

  @Test
  void shouldVerifyAnArgon2idHashMadeByTheReferenceImplementation() {
    // Made by node-argon2 (a binding of the reference C implementation) for the password "secret",
    // with its defaults m=4096, t=3, p=1: an independent check of the PHC parsing and the Argon2id
    // computation together.
    String reference =
        "$argon2id$v=19$m=4096,t=3,p=1$RrtzvESo4bkSXrWxbc530g$Lyyvcbaa3UNVymz+LMbLjN2hClM6NSRQiMJqGg4vtNY";

    assertThat(PasswordHashes.problem(reference)).isEmpty();
    assertThat(PasswordHashes.matches("secret", reference)).isTrue();
    assertThat(PasswordHashes.matches("Secret", reference)).isFalse();
  }

  @Test
  void shouldAcceptBcryptHashesOfEveryVersionPrefix() {
    byte[] salt = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    for (String version : new String[] {"2a", "2b", "2y"}) {
      String hash = OpenBSDBCrypt.generate(version, "hunter2".toCharArray(), salt, 4);

      assertThat(PasswordHashes.problem(hash)).as(version).isEmpty();
      assertThat(PasswordHashes.matches("hunter2", hash)).as(version).isTrue();
      assertThat(PasswordHashes.matches("hunter3", hash)).as(version).isFalse();
    }
  }

  @Test
  void shouldRefuseBareDigestsAndOtherArgon2Variants() {
    String sha256 = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8";

    assertThat(PasswordHashes.problem(sha256))
        .hasValueSatisfying(p -> assertThat(p).contains("neither"));
    assertThat(
            PasswordHashes.problem(
                "$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"))
        .hasValueSatisfying(p -> assertThat(p).contains("only Argon2id"));
    assertThat(PasswordHashes.problem("password")).isPresent();
    assertThat(PasswordHashes.matches("password", "password")).isFalse();
    assertThat(PasswordHashes.matches("", sha256)).isFalse();
  }

  @Test
  void shouldRefuseHashesAskingForMoreWorkThanALoginMayCost() {
    String greedy =
        "$argon2id$v=19$m=99999999,t=2,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG";

    assertThat(PasswordHashes.problem(greedy)).isPresent();
    assertThat(PasswordHashes.matches("password", greedy)).isFalse();
  }

  @Test
  void shouldRefuseToHashAnEmptyPassword() {
    assertThatThrownBy(() -> PasswordHashes.hash("")).isInstanceOf(IllegalArgumentException.class);
  }
}
