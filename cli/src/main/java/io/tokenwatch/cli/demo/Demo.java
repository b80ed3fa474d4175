package io.tokenwatch.cli.demo;

import io.tokenwatch.anomaly.kafka.AnomalyDetectorConfig;
import io.tokenwatch.events.AlertRule;
import io.tokenwatch.validator.http.ValidatorService;
import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * One run of the demo against a running platform: normal traffic, the scripted attacks inside it,
 * then the verdict. Exit status 0 only when every scripted attack raised its alert and every
 * revoked token is denied by every validator.
 */
public final class Demo {

  private static final long NETWORK_LEARNING_MS = 2_000;

  private static final long NETWORK_CONFIRM_MS = 5_000;

  /** How long a partition of the detector's inputs may be quiet before it stops holding alerts. */
  private static final long IDLE_SOURCE_MS = 5_000;

  /**
   * The detector's settings for a run of a minute: it learns each client's source networks for
   * {@value #NETWORK_LEARNING_MS} ms instead of a day, so the stolen token's replay from a new
   * network happens after the learning, and watches a new network for {@value #NETWORK_CONFIRM_MS}
   * ms instead of five minutes before it alerts; and the demo's light traffic leaves partitions
   * quiet, which hold the per-client alerts only {@value #IDLE_SOURCE_MS} ms instead of 30 s.
   */
  public static final Map<String, Object> DETECTOR_SETTINGS =
      Map.of(
          AnomalyDetectorConfig.NETWORK_LEARNING_MS,
          NETWORK_LEARNING_MS,
          AnomalyDetectorConfig.NETWORK_CONFIRM_MS,
          NETWORK_CONFIRM_MS,
          AnomalyDetectorConfig.IDLE_SOURCE_MS,
          IDLE_SOURCE_MS);

  /**
   * The Shared Signals service's settings for the demo: it receives from the demo's identity
   * provider, and its SaaS app may ask for a verification event every second.
   */
  public static Map<String, Object> signalsSettings(IdentityProvider provider) {
    Map<String, Object> settings = new LinkedHashMap<>(provider.receiverSettings());
    settings.put("signals.streams.min-verification-interval-ms", 1_000);
    return settings;
  }

  /** How long after the traffic the demo waits for alerts still on their way. */
  private static final Duration ALERT_GRACE = Duration.ofSeconds(30);

  /** What the demo runs against. */
  /**
   * @param serviceHost the host in the URLs of the platform's services ({@code localhost} unless
   *     they are bound to one address)
   */
  public record Platform(
      String serviceHost,
      String issuerUrl,
      DemoPolicy policy,
      List<ValidatorService> validators,
      String bootstrapServers,
      String schemaRegistryUrl,
      String auditUrl,
      String signalsUrl,
      IdentityProvider provider,
      Map<String, String> passwords,
      Map<String, String> endpoints) {
    public Platform {
      validators = List.copyOf(validators);
      passwords = Map.copyOf(passwords);
      endpoints = Collections.unmodifiableMap(new LinkedHashMap<>(endpoints));
    }
  }

  /**
   * @param duration how long the normal workload runs, the scripted attacks included
   * @param usesPerSecond the normal workload's rate of API calls
   */
  public record Options(Duration duration, double usesPerSecond) {}

  private Demo() {}

  /** Runs the demo; returns the exit status. */
  public static int run(Platform platform, Options options, Narrator narrator)
      throws InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    List<Gateway> gateways = new ArrayList<>();
    for (int i = 0; i < platform.validators().size(); i++) {
      ValidatorService service = platform.validators().get(i);
      gateways.add(
          new Gateway(
              "gateway-" + (i + 1),
              "http://" + platform.serviceHost() + ":" + service.port(),
              http,
              token -> service.validator().revocationCovering(token)));
    }
    awaitReady(gateways, narrator);

    IssuerClient issuer = new IssuerClient(http, platform.issuerUrl(), platform.policy());
    try (SaasApp saas = subscribe(platform, issuer, narrator)) {
      return run(platform, options, narrator, http, gateways, issuer, saas);
    } catch (IOException e) {
      throw new IllegalStateException("the SaaS app could not subscribe", e);
    }
  }

  private static int run(
      Platform platform,
      Options options,
      Narrator narrator,
      HttpClient http,
      List<Gateway> gateways,
      IssuerClient issuer,
      SaasApp saas)
      throws InterruptedException, IOException {
    Ledger ledger = new Ledger();
    Propagation propagation = new Propagation(gateways);
    long started = System.nanoTime();
    AttackScript script;
    AlertWatcher alerts =
        new AlertWatcher(platform.bootstrapServers(), platform.schemaRegistryUrl(), narrator);
    try (alerts) {
      try (Background background =
          new Background(
              issuer, gateways, propagation, ledger, narrator, options.usesPerSecond())) {
        narrator.say(
            "TRAFFIC",
            String.format(
                java.util.Locale.ROOT,
                "%d service clients call the orders API through %d gateways, %.0f calls/s",
                DemoPolicy.SERVICES.size(),
                gateways.size(),
                options.usesPerSecond()));
        background.start();
        LockSupport.parkNanos(Duration.ofSeconds(3).toNanos());
        script = new AttackScript(issuer, gateways, propagation, ledger, narrator);
        script.run(Duration.ofSeconds(2));
        LockSupport.parkNanos(Duration.ofSeconds(2).toNanos());
        GovernanceScene people =
            new GovernanceScene(
                platform.issuerUrl(),
                issuer,
                platform.passwords(),
                gateways,
                propagation,
                ledger,
                narrator);
        people.run();
        LockSupport.parkNanos(Duration.ofSeconds(1).toNanos());
        new SignalsScene(
                issuer,
                saas,
                platform.provider(),
                platform.signalsUrl() + "/ssf/receiver/events",
                people,
                gateways,
                propagation,
                ledger,
                narrator)
            .run();
        long left = options.duration().toNanos() - (System.nanoTime() - started);
        if (left > 0) {
          narrator.line("");
          narrator.say("TRAFFIC", "normal traffic goes on until the end of the run");
          LockSupport.parkNanos(left);
        }
      }
      awaitAlerts(script, alerts);
      AuditCheck.Result audit =
          new AuditCheck(http, issuer, platform.auditUrl())
              .verifyWhenSettled(Duration.ofSeconds(3), Duration.ofSeconds(60));
      return verdict(
          platform, script, alerts, audit, ledger, propagation, gateways, saas, narrator);
    }
  }

  /**
   * Starts the SaaS app outside Kafka and subscribes it to Tokenwatch's transmitter; returns once
   * its first verification event has arrived.
   */
  private static SaasApp subscribe(Platform platform, IssuerClient issuer, Narrator narrator)
      throws IOException, InterruptedException {
    SaasApp saas = new SaasApp(platform.issuerUrl(), platform.signalsUrl(), DemoPolicy.ORDERS);
    try {
      IssuerClient.Answer token =
          issuer.clientCredentials(
              DemoPolicy.SSF_RECEIVER, DemoPolicy.SSF_AUDIENCE, DemoPolicy.SSF_SCOPES, Map.of());
      if (!token.ok()) {
        throw new IllegalStateException(
            "the SaaS app's token request answered " + token.status() + ": " + token.body());
      }
      saas.subscribe(token.accessToken());
      long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
      while (!saas.ready()) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "the SaaS app received no verification event within a minute");
        }
        LockSupport.parkNanos(50_000_000);
      }
      narrator.say(
          "READY",
          "a SaaS app outside Kafka ("
              + saas.url()
              + ") subscribed to Tokenwatch's Shared Signals stream");
      return saas;
    } catch (RuntimeException | IOException | InterruptedException e) {
      saas.close();
      throw e;
    }
  }

  private static void awaitReady(List<Gateway> gateways, Narrator narrator) {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (!gateways.stream().allMatch(Gateway::ready)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the validators did not become ready within 2 minutes");
      }
      LockSupport.parkNanos(50_000_000);
    }
    narrator.say("READY", gateways.size() + " gateways with caught-up revocation feeds");
  }

  private static void awaitAlerts(AttackScript script, AlertWatcher alerts) {
    long deadline = System.nanoTime() + ALERT_GRACE.toNanos();
    while (System.nanoTime() < deadline
        && !script.expectations().stream().allMatch(e -> alerts.seen(e.rule(), e.matches()))) {
      LockSupport.parkNanos(100_000_000);
    }
  }

  private static int verdict(
      Platform platform,
      AttackScript script,
      AlertWatcher alerts,
      AuditCheck.Result audit,
      Ledger ledger,
      Propagation propagation,
      List<Gateway> gateways,
      SaasApp saas,
      Narrator narrator) {
    List<String> failures = new ArrayList<>(ledger.failures());
    narrator.line("");
    narrator.line("Summary");
    narrator.line(
        "  traffic:      "
            + ledger.issued.sum()
            + " tokens issued, "
            + ledger.allowed.sum()
            + " calls allowed, "
            + ledger.denied.sum()
            + " denied");
    narrator.line("  propagation:  " + propagation.summary());
    narrator.line(
        "  signals:      the SaaS app outside Kafka accepted " + saas.received() + " SETs");

    int denied = 0;
    int deniedOutside = 0;
    for (Ledger.Revoked revoked : ledger.revoked()) {
      if (gateways.stream().allMatch(g -> g.revocationCovering(revoked.token()).isPresent())) {
        denied++;
      } else {
        failures.add("a revoked token is not denied everywhere: " + revoked.label());
      }
      if (saas.revocationCovering(revoked.token()).isPresent()) {
        deniedOutside++;
      } else {
        failures.add("the SaaS app outside Kafka does not deny: " + revoked.label());
      }
    }
    narrator.line(
        "  revoked:      "
            + ledger.revoked().size()
            + " tokens revoked, "
            + denied
            + " denied by all "
            + gateways.size()
            + " validators, "
            + deniedOutside
            + " by the SaaS app outside Kafka");

    narrator.line("  attacks:");
    for (AttackScript.Expectation expectation : script.expectations()) {
      boolean seen = alerts.seen(expectation.rule(), expectation.matches());
      narrator.line(
          String.format(
              java.util.Locale.ROOT,
              "    %-9s %-48s %s",
              seen ? "detected" : "MISSED",
              expectation.attack(),
              expectation.rule()));
      if (!seen) {
        failures.add("no " + expectation.rule() + " alert for " + expectation.attack());
      }
    }
    Map<AlertRule, Integer> byRule = alerts.countsByRule();
    narrator.line("  alerts:       " + (byRule.isEmpty() ? "none" : byRule.toString()));
    narrator.line(
        "  audit:        "
            + audit.records()
            + " events stored, "
            + audit.checkpoints()
            + " signed checkpoints, chain "
            + (audit.verifies() ? "verified" : "DOES NOT VERIFY: " + audit.detail()));
    if (!audit.verifies()) {
      failures.add("the audit history does not verify: " + audit.detail());
    }
    if (audit.records() == 0) {
      failures.add("the audit sink stored no event");
    }
    narrator.line("  endpoints:");
    platform.endpoints().forEach((name, url) -> narrator.line("    " + name + ": " + url));

    narrator.line("");
    if (failures.isEmpty()) {
      narrator.line("Every scripted attack was detected and every revoked token was denied.");
      return 0;
    }
    failures.forEach(f -> narrator.line("FAILED: " + f));
    return 1;
  }
}
