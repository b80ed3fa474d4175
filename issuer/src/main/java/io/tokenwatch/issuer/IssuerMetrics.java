package io.tokenwatch.issuer;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tokenwatch.issuer.policy.Policy;
import io.tokenwatch.issuer.policy.PolicyHolder;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
 *   <li>{@code tokenwatch.issuer.refresh.races}: rotations of this instance that lost in the grant
 *       log (the token was spent at this or another instance first)
 * </ul>
 *
 * <p>Meters are looked up once per tag combination and kept: building and registering a meter on
 * every request (a new id, sorted tags, the registry's lookup) showed up in the request path. Every
 * tag value is bounded (endpoints, outcomes, known clients, reasons), so the caches are too.
 */
public final class IssuerMetrics {

  private final MeterRegistry registry;
  private final Supplier<Policy> policy;
  private final Map<String, Counter> issued = new ConcurrentHashMap<>();
  private final Map<String, Counter> denied = new ConcurrentHashMap<>();
  private final Map<String, Timer> requests = new ConcurrentHashMap<>();
  private final Map<String, Counter> produceFailures = new ConcurrentHashMap<>();

  public IssuerMetrics(MeterRegistry registry, Supplier<Policy> policy) {
    this.registry = requireNonNull(registry, "registry");
    this.policy = requireNonNull(policy, "policy");
  }

  /** The registry the meters live in. */
  public MeterRegistry registry() {
    return registry;
  }

  /** Counts a token handed out. */
  public void issued(String clientId, String grantType) {
    String client = clientTag(clientId);
    issued
        .computeIfAbsent(
            client + '\u0000' + grantType,
            key ->
                Counter.builder("tokenwatch.issuer.issued")
                    .description("Access tokens handed out")
                    .tag("client", client)
                    .tag("grant_type", grantType)
                    .register(registry))
        .increment();
  }

  /** Counts a refused token request; {@code reason} is lower-cased for the tag. */
  public void denied(String clientId, String reason) {
    String client = clientTag(clientId);
    denied
        .computeIfAbsent(
            client + '\u0000' + reason,
            key ->
                Counter.builder("tokenwatch.issuer.denied")
                    .description("Token requests refused")
                    .tag("client", client)
                    .tag("reason", reason.toLowerCase(Locale.ROOT))
                    .register(registry))
        .increment();
  }

  /** Records one request's latency. */
  public void request(String endpoint, String outcome, Duration elapsed) {
    requests
        .computeIfAbsent(
            endpoint + '\u0000' + outcome,
            key ->
                Timer.builder("tokenwatch.issuer.request")
                    .description("Issuer request latency")
                    .tag("endpoint", endpoint)
                    .tag("outcome", outcome)
                    .publishPercentileHistogram()
                    .register(registry))
        .record(elapsed);
  }

  /** Counts an event Kafka did not acknowledge in time. */
  public void produceFailure(String event) {
    produceFailures
        .computeIfAbsent(
            event,
            key ->
                Counter.builder("tokenwatch.issuer.produce.failures")
                    .description("Events Kafka did not acknowledge in time")
                    .tag("event", event)
                    .register(registry))
        .increment();
  }

  /** Counts a policy reload attempt that changed something. */
  public void policyReload(PolicyHolder.ReloadResult result) {
    String outcome;
    if (result instanceof PolicyHolder.ReloadResult.Loaded) {
      outcome = "loaded";
    } else if (result instanceof PolicyHolder.ReloadResult.Rejected) {
      outcome = "rejected";
    } else if (result instanceof PolicyHolder.ReloadResult.Held) {
      outcome = "held";
    } else {
      outcome = "unchanged";
    }
    Counter.builder("tokenwatch.issuer.policy.reloads")
        .description("Policy file reloads")
        .tag("result", outcome)
        .register(registry)
        .increment();
  }

  /**
   * Publishes {@code tokenwatch.issuer.policy.pending}: 1 while a valid policy document waits for
   * approval (the previous policy stays in force), else 0.
   */
  public void pendingPolicy(PolicyHolder holder) {
    Gauge.builder("tokenwatch.issuer.policy.pending", holder, h -> h.pending().isPresent() ? 1 : 0)
        .description("Whether a policy change waits for approval (1) or not (0)")
        .register(registry);
  }

  void adminAuthentication(String method, String outcome) {
    Counter.builder("tokenwatch.issuer.admin.authentications")
        .description("Admin API authentication decisions")
        .tag("method", method)
        .tag("outcome", outcome.toLowerCase(Locale.ROOT))
        .register(registry)
        .increment();
  }

  /** Counts a rotation of this instance that lost in the grant log: a refresh token reuse. */
  public void refreshRace() {
    Counter.builder("tokenwatch.issuer.refresh.races")
        .description("Rotations that lost in the grant log: the refresh token was spent first")
        .register(registry)
        .increment();
  }

  private String clientTag(String clientId) {
    return policy.get().clients().containsKey(clientId) ? clientId : "unknown";
  }
}
