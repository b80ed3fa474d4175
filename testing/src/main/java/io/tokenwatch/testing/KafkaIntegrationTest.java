package io.tokenwatch.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks an integration test class that needs Kafka: tags it {@code integration} (so it runs in the
 * integration-test phase, not with the unit tests) and lets its constructors, lifecycle methods and
 * test methods declare a {@link TestCluster} parameter.
 *
 * <p>Which cluster backs the tests is chosen by the system property or environment variable
 * described in {@link KafkaClusterExtension}.
 */
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Tag("integration")
@ExtendWith(KafkaClusterExtension.class)
public @interface KafkaIntegrationTest {}
