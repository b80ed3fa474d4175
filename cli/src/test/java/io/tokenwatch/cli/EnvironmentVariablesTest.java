package io.tokenwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.anomaly.kafka.AnomalyDetectorConfig;
import io.tokenwatch.audit.app.AuditSinkConfig;
import io.tokenwatch.issuer.server.IssuerConfig;
import io.tokenwatch.revocation.kafka.RevocationStreamConfig;
import io.tokenwatch.schemas.config.DeprecatedKeys;
import io.tokenwatch.validator.http.ValidatorConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.kafka.common.config.ConfigDef;

/**
 * A {@code TOKENWATCH_*} variable sets exactly one key of the service reading it: no two keys a
 * service reads from the environment (its own, Kafka's clients', the registry client's) share a
 * variable, and an old key name shares one only with its own new name.
 */
class EnvironmentVariablesTest {

  /** A service as the environment sees it. */
  record Service(String name, ConfigDef definition, DeprecatedKeys deprecated) {

    /** Every key whose variable the service reads, old names included. */
    List<String> keys() {
      Set<String> keys = new TreeSet<>(definition.names());
      keys.addAll(SettingsOptions.KAFKA_CLIENT_KEYS);
      keys.addAll(SettingsOptions.REGISTRY_CLIENT_KEYS);
      keys.addAll(deprecated.replacements().keySet());
      return new ArrayList<>(keys);
    }

    /** The key {@code key} names, after renames. */
    String canonical(String key) {
      return deprecated.canonical(key);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  record KeyPair(Service service, String first, String second) {}

  static final List<Service> SERVICES =
      List.of(
          new Service("issuer", IssuerConfig.configDef(), IssuerConfig.deprecatedKeys()),
          new Service("validator", ValidatorConfig.configDef(), ValidatorConfig.deprecatedKeys()),
          new Service(
              "revocation-stream",
              RevocationStreamConfig.configDef(),
              RevocationStreamConfig.deprecatedKeys()),
          new Service(
              "anomaly-detector",
              AnomalyDetectorConfig.configDef(),
              AnomalyDetectorConfig.deprecatedKeys()),
          new Service("audit-sink", AuditSinkConfig.configDef(), AuditSinkConfig.deprecatedKeys()));

  @Provide
  Arbitrary<KeyPair> keyPairs() {
    return Arbitraries.of(SERVICES)
        .flatMap(
            service -> {
              Arbitrary<String> key = Arbitraries.of(service.keys());
              return Combinators.combine(key, key)
                  .as((first, second) -> new KeyPair(service, first, second));
            });
  }

  @Property(tries = 1_000)
  void shouldGiveDistinctKeysDistinctVariables(@ForAll("keyPairs") KeyPair pair) {
    Service service = pair.service();
    boolean sameKey = service.canonical(pair.first()).equals(service.canonical(pair.second()));

    assertThat(
            SettingsOptions.environmentVariable(pair.first())
                .equals(SettingsOptions.environmentVariable(pair.second())))
        .as("%s: %s and %s", service, pair.first(), pair.second())
        .isEqualTo(sameKey);
  }

  @Property(tries = 5)
  void shouldGiveEveryDeclaredKeyOfAServiceItsOwnVariable(@ForAll("services") Service service) {
    Set<String> variables = new TreeSet<>();
    Set<String> keys = new TreeSet<>(service.keys());
    keys.removeAll(service.deprecated().replacements().keySet());
    keys.forEach(key -> variables.add(SettingsOptions.environmentVariable(key)));

    assertThat(variables).as(service.name()).hasSameSizeAs(keys);
  }

  @Provide
  Arbitrary<Service> services() {
    return Arbitraries.of(SERVICES);
  }
}
