package io.tokenwatch.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterModeTest {
  private static final Map<String, String> NONE = Map.of();

  @Test
  void shouldDefaultToAutoWhenNothingIsConfigured() {
    assertThat(ClusterMode.configured(NONE::get, NONE::get)).isEqualTo(ClusterMode.AUTO);
  }

  @Test
  void shouldReadTheSystemPropertyCaseInsensitively() {
    Map<String, String> props = Map.of(ClusterMode.PROPERTY, " Embedded ");

    assertThat(ClusterMode.configured(props::get, NONE::get)).isEqualTo(ClusterMode.EMBEDDED);
  }

  @Test
  void shouldPreferTheSystemPropertyOverTheEnvironment() {
    Map<String, String> props = Map.of(ClusterMode.PROPERTY, "embedded");
    Map<String, String> env = Map.of(ClusterMode.ENV, "testcontainers");

    assertThat(ClusterMode.configured(props::get, env::get)).isEqualTo(ClusterMode.EMBEDDED);
  }

  @Test
  void shouldFallBackToTheEnvironmentVariable() {
    Map<String, String> env = Map.of(ClusterMode.ENV, "testcontainers");

    assertThat(ClusterMode.configured(NONE::get, env::get)).isEqualTo(ClusterMode.TESTCONTAINERS);
  }

  @Test
  void shouldRejectAnUnknownModeNamingTheSetting() {
    Map<String, String> props = Map.of(ClusterMode.PROPERTY, "docker");

    assertThatThrownBy(() -> ClusterMode.configured(props::get, NONE::get))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tokenwatch.test.cluster=docker")
        .hasMessageContaining("embedded, testcontainers, auto");
  }

  @Test
  void shouldUseEmbeddedBrokerInAutoModeWithoutDocker() {
    assertThat(ClusterMode.AUTO.resolve(() -> false)).isEqualTo(TestCluster.Kind.EMBEDDED);
  }

  @Test
  void shouldUseContainerInAutoModeWithDocker() {
    assertThat(ClusterMode.AUTO.resolve(() -> true)).isEqualTo(TestCluster.Kind.TESTCONTAINERS);
  }

  @Test
  void shouldNotAskDockerWhenEmbeddedIsChosen() {
    assertThat(
            ClusterMode.EMBEDDED.resolve(
                () -> {
                  throw new AssertionError("Docker must not be probed");
                }))
        .isEqualTo(TestCluster.Kind.EMBEDDED);
  }
}
