package io.tokenwatch.testing;

import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/** Which Kafka backs the tests, as requested by configuration. */
enum ClusterMode {
  EMBEDDED,
  TESTCONTAINERS,
  AUTO;

  static final String PROPERTY = "tokenwatch.test.cluster";
  static final String ENV = "TOKENWATCH_TEST_CLUSTER";

  /**
   * Reads the mode from the system property, else the environment variable, else {@link #AUTO}.
   *
   * @throws IllegalArgumentException for a value other than embedded, testcontainers or auto
   */
  static ClusterMode configured(
      Function<String, @Nullable String> systemProperties,
      Function<String, @Nullable String> environment) {
    String value = systemProperties.apply(PROPERTY);
    String source = PROPERTY;
    if (value == null || value.isBlank()) {
      value = environment.apply(ENV);
      source = ENV;
    }
    if (value == null || value.isBlank()) {
      return AUTO;
    }
    try {
      return valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          source + "=" + value + " is not one of embedded, testcontainers, auto", e);
    }
  }

  /**
   * The kind of cluster to start. {@link #AUTO} asks {@code dockerAvailable} and falls back to the
   * embedded broker; an explicit choice is honoured as given.
   */
  TestCluster.Kind resolve(BooleanSupplier dockerAvailable) {
    return switch (this) {
      case EMBEDDED -> TestCluster.Kind.EMBEDDED;
      case TESTCONTAINERS -> TestCluster.Kind.TESTCONTAINERS;
      case AUTO ->
          dockerAvailable.getAsBoolean()
              ? TestCluster.Kind.TESTCONTAINERS
              : TestCluster.Kind.EMBEDDED;
    };
  }
}
