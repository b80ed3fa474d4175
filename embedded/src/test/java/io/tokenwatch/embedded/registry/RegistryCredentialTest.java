package io.tokenwatch.embedded.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwatch.schemas.serde.SerdeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RegistryCredentialTest {

  @TempDir Path dir;

  @Test
  void shouldCreateTheFileOwnerOnlyOnFirstUseAndReadTheSameCredentialAfterwards() throws Exception {
    Path file = dir.resolve("sub/schema-registry.credential");

    RegistryCredential created = RegistryCredential.loadOrCreate(file, "tokenwatch");
    RegistryCredential loaded = RegistryCredential.loadOrCreate(file, "tokenwatch");

    assertThat(loaded).isEqualTo(created);
    assertThat(created.user()).isEqualTo("tokenwatch");
    assertThat(created.secret()).hasSizeGreaterThanOrEqualTo(43);
    assertThat(Files.readString(file).strip()).isEqualTo(created.userInfo());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
  }

  @Test
  void shouldGiveEveryNewCredentialItsOwnSecret() {
    assertThat(RegistryCredential.random("a").secret())
        .isNotEqualTo(RegistryCredential.random("a").secret());
  }

  @Test
  void shouldNeverShowTheSecret() {
    RegistryCredential credential = RegistryCredential.parse("tokenwatch:s3cr3t-value");

    assertThat(credential.toString()).doesNotContain("s3cr3t-value").contains("tokenwatch");
    assertThat(credential.clientSettings().toString()).doesNotContain("s3cr3t-value");
    var settings = new java.util.HashMap<String, Object>(credential.clientSettings());
    settings.put(SerdeConfig.SCHEMA_REGISTRY_URL, "http://localhost:8081");
    assertThat(SerdeConfig.of(settings).toString()).doesNotContain("s3cr3t-value");
  }

  @Test
  void shouldGiveTheSerdesBasicAuthSettings() {
    RegistryCredential credential = RegistryCredential.parse("tokenwatch:secret");
    var settings = new java.util.HashMap<String, Object>(credential.clientSettings());
    settings.put(SerdeConfig.SCHEMA_REGISTRY_URL, "http://localhost:8081");

    var registry = SerdeConfig.of(settings).registrySettings();

    assertThat(registry.credentialsSource().name()).isEqualTo("USER_INFO");
    assertThat(registry.userInfo().value()).isEqualTo("tokenwatch:secret");
  }

  @Test
  void shouldMatchOnlyTheExactUserInfo() {
    RegistryCredential credential = RegistryCredential.parse("tokenwatch:secret");

    assertThat(credential.matches("tokenwatch:secret")).isTrue();
    assertThat(credential.matches("tokenwatch:secret ")).isFalse();
    assertThat(credential.matches("tokenwatch:secreT")).isFalse();
    assertThat(credential.matches("tokenwatch2:secret")).isFalse();
    assertThat(credential.matches("")).isFalse();
  }

  @Test
  void shouldPutTheCredentialIntoAUrlForClientsThatReadItFromThere() {
    RegistryCredential credential = RegistryCredential.parse("tokenwatch:abc_-9");

    assertThat(credential.inUrl("http://localhost:8081"))
        .isEqualTo("http://tokenwatch:abc_-9@localhost:8081");
  }

  @ParameterizedTest
  @ValueSource(strings = {"Zq9xNoColon", ":Zq9x", "user:", " :Zq9x", "us\ner:Zq9x", "u:Zq9x\u0000"})
  void shouldRefuseAMalformedCredentialWithoutEchoingIt(String userInfo) {
    assertThatThrownBy(() -> RegistryCredential.parse(userInfo))
        .isInstanceOf(IllegalArgumentException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("Zq9x"));
  }

  @Test
  void shouldNameTheFileWhenItHoldsNoCredential() throws Exception {
    Path file = dir.resolve("broken.credential");
    Files.writeString(file, "\n");

    assertThatThrownBy(() -> RegistryCredential.loadOrCreate(file, "tokenwatch"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file.toString());
  }
}
