package io.tokenwatch.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwatch.embedded.EmbeddedPlatform;
import io.tokenwatch.issuer.server.IssuerConfig;
import io.tokenwatch.issuer.server.IssuerServer;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryException;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The issuer registers the catalogue's schemas when it starts: against a fresh platform registry it
 * can only do so with the platform's credential, given as the serdes' basic.auth settings.
 */
@Tag("integration")
class RegistryCredentialIntegrationTest {

  @TempDir Path dataDir;

  @Test
  void shouldLetTheIssuerRegisterTheCatalogueOnlyWithTheRegistryCredential() {
    try (EmbeddedPlatform platform = EmbeddedPlatform.builder(dataDir).build().start()) {
      Map<String, Object> settings = new LinkedHashMap<>();
      settings.put(IssuerConfig.ISSUER_URL, "http://localhost");
      settings.put(IssuerConfig.PORT, 0);
      settings.put(
          IssuerConfig.POLICY_FILE,
          Pipeline.samplePolicy(dataDir.resolve("policy.yaml")).toString());
      settings.put(IssuerConfig.DATA_DIR, dataDir.resolve("issuer").toString());
      settings.put(IssuerConfig.BOOTSTRAP_SERVERS, platform.bootstrapServers());
      settings.put(IssuerConfig.SCHEMA_REGISTRY_URL, platform.schemaRegistryUrl());

      assertThatThrownBy(() -> IssuerServer.start(IssuerConfig.of(settings)).close())
          .isInstanceOfSatisfying(
              SchemaRegistryException.class,
              refused -> assertThat(refused.status()).isEqualTo(401));

      settings.putAll(platform.schemaRegistryClientSettings());
      try (IssuerServer issuer = IssuerServer.start(IssuerConfig.of(settings))) {
        var registry =
            new HttpSchemaRegistryClient(
                SerdeConfig.of(
                        Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, platform.schemaRegistryUrl()))
                    .registrySettings());
        assertThat(registry.subjects())
            .contains(Topics.REVOCATIONS.name() + "-value", Topics.TOKEN_ISSUED.name() + "-value");
      }
    }
  }
}
