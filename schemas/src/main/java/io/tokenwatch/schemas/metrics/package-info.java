/**
 * The metrics every Tokenwatch service exposes beside its own: one Prometheus registry per service
 * with the JVM and process binders bound ({@link io.tokenwatch.schemas.metrics.ServiceMeters}).
 * Requires Micrometer and its Prometheus registry on the class path: optional dependencies of this
 * module, which the services bring.
 */
@NullMarked
package io.tokenwatch.schemas.metrics;

import org.jspecify.annotations.NullMarked;
