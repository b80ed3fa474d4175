package io.tokenwatch.testing;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

class KafkaClusterExtensionTest {

  @Test
  void shouldFailClearlyWhenContainersAreRequestedWithoutDocker() {
    assertThatThrownBy(
            () -> KafkaClusterExtension.startCluster(ClusterMode.TESTCONTAINERS, () -> false))
        .isInstanceOf(ExtensionConfigurationException.class)
        .hasMessageContaining("no Docker engine");
  }

  @Test
  void shouldAnswerDockerProbeWithoutThrowing() {
    // Whatever this machine has, the probe decides within its bound instead of failing the run.
    org.assertj.core.api.Assertions.assertThatCode(DockerProbe::dockerAvailable)
        .doesNotThrowAnyException();
  }
}
