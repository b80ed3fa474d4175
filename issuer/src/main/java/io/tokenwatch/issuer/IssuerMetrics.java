package io.tokenwatch.issuer;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The issuer's meters. Client ids become tags only when the policy knows them ({@code unknown}
 * otherwise), so a caller inventing client ids cannot blow up the number of series.
 *
 * <ul>
 *   <li>{@code tokenwatch.issuer.issued{client,grant_type}}: tokens handed out
 *   <li>{@code tokenwatch.issuer.denied{client,reason}}: refused requests
 *   <li>{@code tokenwatch.issuer.request{endpoint,outcome}}: latency histogram
 *   <li>{@code tokenwatch.issuer.produce.failures{event}}: events Kafka did not take in time
 *   <li>{@code tokenwatch.issuer.policy.reloads{result}}: policy reloads, loaded or rejected
 *   <li>{@code tokenwatch.issuer.refresh.races}: reuses detected after the fact across instances
 * </ul>
 */
public final class IssuerMetrics {

  private final MeterRegistry registry;
  private final Supplier<Policy> policy;

  public IssuerMetrics(MeterRegistry registry, Supplier<Policy> policy) {
    this.registry = requireNonNull(registry, "registry");
    this.policy = requireNonNull(policy, "policy");
  }

  /** The registry the meters live in. */
  public MeterRegistry registry() {
    return registry;
  }

  void issued(String clientId, String grantType) {
    Counter.builder("tokenwatch.issuer.issued")
        .description("Access tokens handed out")
        .tag("client", clientTag(clientId))
        .tag("grant_type", grantType)
        .register(registry)
        .increment();
  }

  void denied(String clientId, String reason) {
    Counter.builder("tokenwatch.issuer.denied")
        .description("Token requests refused")
        .tag("client", clientTag(clientId))
        .tag("reason", reason.toLowerCase(Locale.ROOT))
        .register(registry)
        .increment();
  }

  /** Records one request's latency. */
  public void request(String endpoint, String outcome, Duration elapsed) {
    Timer.builder("tokenwatch.issuer.request")
        .description("Issuer request latency")
        .tag("endpoint", endpoint)
        .tag("outcome", outcome)
        .publishPercentileHistogram()
        .register(registry)
        .record(elapsed);
  }

  void produceFailure(String event) {
    Counter.builder("tokenwatch.issuer.produce.failures")
        .description("Events Kafka did not acknowledge in time")
        .tag("event", event)
        .register(registry)
        .increment();
  }

  /** Counts a policy reload attempt that changed something. */
  public void policyReload(PolicyHolder.ReloadResult result) {
    String outcome;
    if (result instanceof PolicyHolder.ReloadResult.Loaded) {
      outcome = "loaded";
    } else if (result instanceof PolicyHolder.ReloadResult.Rejected) {
      outcome = "rejected";
    } else {
      outcome = "unchanged";
    }
    Counter.builder("tokenwatch.issuer.policy.reloads")
        .description("Policy file reloads")
        .tag("result", outcome)
        .register(registry)
        .increment();
  }

  void adminAuthentication(String method, String outcome) {
    Counter.builder("tokenwatch.issuer.admin.authentications")
        .description("Admin API authentication decisions")
        .tag("method", method)
        .tag("outcome", outcome.toLowerCase(Locale.ROOT))
        .register(registry)
        .increment();
  }

  void refreshRace() {
    Counter.builder("tokenwatch.issuer.refresh.races")
        .description("Refresh token reuse detected after the fact across issuer instances")
        .register(registry)
        .increment();
  }

  private String clientTag(String clientId) {
    return policy.get().clients().containsKey(clientId) ? clientId : "unknown";
  }
}
