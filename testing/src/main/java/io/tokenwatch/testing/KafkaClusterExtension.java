package io.tokenwatch.testing;

import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Resolves {@link TestCluster} parameters. Prefer {@link KafkaIntegrationTest}, which registers
 * this extension and tags the class as an integration test.
 *
 * <p>The cluster is a Kafka broker plus the embedded schema registry, which keeps its log in that
 * broker. One cluster serves the whole test JVM: it starts on first use and stops when the test
 * plan ends. The system property {@code tokenwatch.test.cluster} (or environment variable {@code
 * TOKENWATCH_TEST_CLUSTER}) chooses the backing:
 *
 * <ul>
 *   <li>{@code auto} (default): a Testcontainers {@code apache/kafka} container if a Docker engine
 *       answers, otherwise the embedded broker;
 *   <li>{@code embedded}: always the in-process broker;
 *   <li>{@code testcontainers}: always a container; fails if Docker is not available.
 * </ul>
 */
public final class KafkaClusterExtension implements ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(KafkaClusterExtension.class);
  private static final String CLUSTER_KEY = "cluster";

  /** Created by JUnit. */
  public KafkaClusterExtension() {}

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == TestCluster.class;
  }

  @Override
  public TestCluster resolveParameter(ParameterContext parameter, ExtensionContext context) {
    // The root store outlives every test class and closes AutoCloseable values when the plan ends.
    return context
        .getRoot()
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(
            CLUSTER_KEY,
            key -> startCluster(configuredMode(), DockerProbe::dockerAvailable),
            ManagedCluster.class);
  }

  private static ClusterMode configuredMode() {
    try {
      return ClusterMode.configured(System::getProperty, System::getenv);
    } catch (IllegalArgumentException e) {
      throw new ExtensionConfigurationException(e.getMessage(), e);
    }
  }

  static ManagedCluster startCluster(ClusterMode mode, BooleanSupplier dockerAvailable) {
    TestCluster.Kind kind = mode.resolve(dockerAvailable);
    if (kind == TestCluster.Kind.TESTCONTAINERS) {
      if (mode == ClusterMode.TESTCONTAINERS && !dockerAvailable.getAsBoolean()) {
        throw new ExtensionConfigurationException(
            ClusterMode.PROPERTY
                + "=testcontainers but no Docker engine answers; use embedded or auto");
      }
      return ManagedCluster.withRegistry(ContainerKafka.start());
    }
    return ManagedCluster.withRegistry(EmbeddedKafka.start());
  }
}
