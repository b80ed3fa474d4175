package io.tokenwatch.schemas.metrics;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The Prometheus registry of one Tokenwatch service (issuer, revocation stream, anomaly detector,
 * audit sink, validator sidecar), with Micrometer's JVM and process binders bound: memory, garbage
 * collection, threads, class loading, CPU, uptime and, where the JVM reports them, open file
 * descriptors ({@code jvm_*}, {@code process_*}, {@code system_*} series). Services add their own
 * meters and their Kafka clients' binders to {@link #registry()}.
 *
 * <p>Thread-safe. Create once per service, {@link #close} on shutdown: the garbage collection
 * binder listens to GC notifications until it is closed.
 */
public final class ServiceMeters implements AutoCloseable {

  private final PrometheusMeterRegistry registry;
  private final JvmGcMetrics gc;

  private ServiceMeters(PrometheusMeterRegistry registry, JvmGcMetrics gc) {
    this.registry = registry;
    this.gc = gc;
  }

  /** A new registry with the JVM and process binders bound. */
  public static ServiceMeters create() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    JvmGcMetrics gc = new JvmGcMetrics();
    try {
      new JvmMemoryMetrics().bindTo(registry);
      gc.bindTo(registry);
      new JvmThreadMetrics().bindTo(registry);
      new ClassLoaderMetrics().bindTo(registry);
      new ProcessorMetrics().bindTo(registry);
      new UptimeMetrics().bindTo(registry);
      // Registers nothing where the JVM has no UnixOperatingSystemMXBean (Windows).
      new FileDescriptorMetrics().bindTo(registry);
    } catch (RuntimeException e) {
      gc.close();
      registry.close();
      throw e;
    }
    return new ServiceMeters(registry, gc);
  }

  /** Where the service registers its meters; {@code /metrics} scrapes it. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition of every meter, for {@code /metrics}. */
  public String scrape() {
    return registry.scrape();
  }

  /** Stops the garbage collection binder and closes the registry. Idempotent. */
  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
