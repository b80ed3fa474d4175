package io.tokenwatch.cli.demo;

import static io.tokenwatch.cli.demo.Narrator.shortId;

import com.fasterxml.jackson.databind.JsonNode;
import io.tokenwatch.events.AlertRule;
import io.tokenwatch.events.SecurityAlert;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * The scripted incidents, one after another, hidden in the normal workload: a stolen token replayed
 * from an unfamiliar client, a scope escalation attempt, a use-limited token exhausted across
 * gateways, a refresh token reused, a delegated token whose parent is revoked, and the security
 * team revoking a subject. Each says what it expects the platform to do; the demo checks it.
 */
final class AttackScript {

  private static final Duration PROPAGATION_BUDGET = Duration.ofSeconds(30);
  private static final String ATTACKER_NETWORK = "203.0.113.66";

  /** An alert the platform must raise for a scripted attack. */
  record Expectation(String attack, AlertRule rule, Predicate<SecurityAlert> matches) {}

  private final IssuerClient issuer;
  private final List<Gateway> gateways;
  private final Propagation propagation;
  private final Ledger ledger;
  private final Narrator narrator;
  private final List<Expectation> expectations = new ArrayList<>();

  AttackScript(
      IssuerClient issuer,
      List<Gateway> gateways,
      Propagation propagation,
      Ledger ledger,
      Narrator narrator) {
    if (gateways.size() < 3) {
      throw new IllegalArgumentException("the script needs three gateways");
    }
    this.issuer = issuer;
    this.gateways = List.copyOf(gateways);
    this.propagation = propagation;
    this.ledger = ledger;
    this.narrator = narrator;
  }

  List<Expectation> expectations() {
    return List.copyOf(expectations);
  }

  /** Runs every incident in order, pausing {@code pause} between them. */
  void run(Duration pause) {
    stolenTokenReplayedFromAnUnfamiliarClient();
    pause(pause);
    scopeEscalationAttempt();
    pause(pause);
    useLimitedTokenExhaustedAcrossGateways();
    pause(pause);
    refreshTokenReused();
    pause(pause);
    delegatedTokenWhoseParentIsRevoked();
    pause(pause);
    securityTeamRevokesASubject();
  }

  private void stolenTokenReplayedFromAnUnfamiliarClient() {
    narrator.line("");
    narrator.say("SCENE", "An attacker steals inventory-service's token and replays it");
    String token = issue("inventory-service", "orders:read", Map.of());
    String jti = jti(token);
    expectAllowed(gateway(0).authorize(token, "/orders/7", "10.20.0.12", null), "the owner");
    for (int i = 0; i < 3; i++) {
      Gateway.Verdict verdict =
          gateway(1).authorize(token, "/orders/" + (100 + i), ATTACKER_NETWORK, null);
      narrator.say(
          "USED",
          "token "
              + shortId(jti)
              + " presented from "
              + ATTACKER_NETWORK
              + " (never seen for inventory-service): "
              + (verdict.allowed() ? "allowed, the token itself is still valid" : "denied"));
    }
    expect(
        "stolen token replayed from an unfamiliar network",
        AlertRule.UNFAMILIAR_CLIENT,
        alert -> jti.equals(alert.getTokenId()));

    // A sender-constrained token is worth less to a thief: without the agent's DPoP key the
    // gateways refuse it, and the attempt itself is the alert.
    DpopKey agentKey = new DpopKey();
    String bound =
        requireOk(
                issuer.exchange(
                    DemoPolicy.AGENT,
                    issue("orders-service", "orders:read", Map.of()),
                    "orders:read",
                    agentKey),
                "the token exchange")
            .accessToken();
    String boundJti = jti(bound);
    ledger.issued.increment();
    expectAllowed(gateway(0).authorize(bound, "/orders/8", "10.20.0.30", agentKey), "the agent");
    Gateway.Verdict stolen =
        gateway(1).authorize(bound, "/orders/9", ATTACKER_NETWORK, new DpopKey());
    if (stolen.allowed()) {
      ledger.fail("a DPoP-bound token was accepted with another key");
    }
    narrator.say(
        "DENIED",
        "reporting-agent's DPoP-bound token "
            + shortId(boundJti)
            + " replayed with the attacker's own key: HTTP "
            + stolen.status()
            + " (binding mismatch)");
    expect(
        "stolen DPoP-bound token replayed with another key",
        AlertRule.UNFAMILIAR_CLIENT,
        alert -> boundJti.equals(alert.getTokenId()));

    IssuerClient.Answer revoked = issuer.adminRevoke("token", jti, null, "COMPROMISED");
    long revokedAt = System.nanoTime();
    requireStatus(revoked, 202, "the security team's revocation");
    narrator.say("REVOKED", "security-console revokes token " + shortId(jti) + " (COMPROMISED)");
    ledger.revoked(token, "stolen inventory-service token");
    awaitPropagation(token, revokedAt, "the stolen token");
    for (int i = 0; i < 3; i++) {
      Gateway.Verdict verdict =
          gateway(2).authorize(token, "/orders/" + (200 + i), ATTACKER_NETWORK, null);
      expectRevoked(verdict, "the attacker's replay of token " + shortId(jti));
    }
    expect(
        "replay of the revoked stolen token",
        AlertRule.REPLAY_AFTER_REVOCATION,
        alert -> jti.equals(alert.getTokenId()));
  }

  private void scopeEscalationAttempt() {
    narrator.line("");
    narrator.say("SCENE", "billing-service tries to reach scopes its policy does not grant");
    for (int i = 0; i < 4; i++) {
      IssuerClient.Answer refused =
          issuer.clientCredentials("billing-service", "orders:read orders:export", Map.of());
      if (refused.ok()) {
        ledger.fail("the issuer granted orders:export to billing-service");
      }
      narrator.say(
          "REFUSED",
          "billing-service asks for orders:export: HTTP "
              + refused.status()
              + " "
              + refused.error());
    }
    String token = issue("billing-service", "orders:read", Map.of());
    for (int i = 0; i < 4; i++) {
      Gateway.Verdict verdict =
          gateway(i % 3).authorize(token, "/orders/export", "10.20.0.13", null);
      if (verdict.status() != 403) {
        ledger.fail("an orders:read token reached /orders/export: HTTP " + verdict.status());
      }
      narrator.say(
          "DENIED",
          "billing-service's orders:read token on /orders/export at "
              + gateway(i % 3).name()
              + ": insufficient scope");
    }
    expect(
        "scope escalation attempt",
        AlertRule.SCOPE_ESCALATION,
        alert -> "billing-service".equals(alert.getClientId()));
  }

  private void useLimitedTokenExhaustedAcrossGateways() {
    narrator.line("");
    narrator.say("SCENE", "shipping-service spreads a token limited to 5 uses over three gateways");
    String token = issue("shipping-service", "orders:read", Map.of("max_uses", "5"));
    String jti = jti(token);
    int allowed = 0;
    for (int round = 0; round < 4; round++) {
      for (Gateway gateway : gateways) {
        if (gateway.authorize(token, "/orders/" + round, "10.20.0.14", null).allowed()) {
          allowed++;
        }
      }
    }
    narrator.say(
        "USED",
        "token "
            + shortId(jti)
            + " allowed "
            + allowed
            + " times across 3 gateways, each counting on its own (max_uses 5)");
    narrator.say("", "the revocation stream counts every gateway's uses and revokes the token");
    if (!await(() -> gateways.stream().allMatch(g -> g.revocationCovering(token).isPresent()))) {
      ledger.fail("the exhausted token " + shortId(jti) + " was not revoked everywhere");
    } else {
      narrator.say("REVOKED", "token " + shortId(jti) + " (MAX_USES_EXCEEDED), on every gateway");
    }
    ledger.revoked(token, "use-limited shipping-service token");
    expect(
        "use-limited token exhausted across gateways",
        AlertRule.MAX_USE_OVERSHOOT,
        alert -> jti.equals(alert.getTokenId()));
  }

  private void refreshTokenReused() {
    narrator.line("");
    narrator.say("SCENE", "reporting-agent acts for orders-service; its old refresh token leaks");
    DpopKey key = new DpopKey();
    String subjectToken = issue("orders-service", "orders:read", Map.of());
    IssuerClient.Answer first = issuer.exchange(DemoPolicy.AGENT, subjectToken, "orders:read", key);
    requireStatus(first, 200, "the token exchange");
    String grant = claims(first.accessToken()).path("grant_id").asText();
    narrator.say(
        "ISSUED",
        "reporting-agent acting for orders-service: DPoP-bound token, grant " + shortId(grant));
    IssuerClient.Answer second = issuer.refresh(DemoPolicy.AGENT, first.refreshToken(), key);
    requireStatus(second, 200, "the refresh");
    String current = second.accessToken();
    ledger.issued.add(2);
    narrator.say("ISSUED", "reporting-agent refreshes: new access and refresh token (rotated)");
    expectAllowed(gateway(0).authorize(current, "/orders/55", "10.20.0.30", key), "the agent");

    IssuerClient.Answer reuse = issuer.refresh(DemoPolicy.AGENT, first.refreshToken(), key);
    long revokedAt = System.nanoTime();
    narrator.say(
        "REFUSED",
        "the old refresh token presented again: HTTP "
            + reuse.status()
            + " "
            + reuse.error()
            + "; the issuer revokes grant "
            + shortId(grant));
    if (reuse.status() != 400) {
      ledger.fail("a reused refresh token was not refused: HTTP " + reuse.status());
    }
    ledger.revoked(current, "access token of the reused grant");
    awaitPropagation(current, revokedAt, "the reused grant");
    expectRevoked(
        gateway(1).authorize(current, "/orders/56", "10.20.0.30", key),
        "the agent's token after the grant was revoked");
    expect(
        "refresh token reused",
        AlertRule.REFRESH_TOKEN_REUSE,
        alert -> grant.equals(alert.getGrantId()));
  }

  private void delegatedTokenWhoseParentIsRevoked() {
    narrator.line("");
    narrator.say("SCENE", "orders-service revokes a token that reporting-agent acts on");
    DpopKey key = new DpopKey();
    String parent = issue("orders-service", "orders:read", Map.of());
    IssuerClient.Answer child = issuer.exchange(DemoPolicy.AGENT, parent, "orders:read", key);
    requireStatus(child, 200, "the token exchange");
    String delegated = child.accessToken();
    ledger.issued.increment();
    narrator.say(
        "ISSUED",
        "reporting-agent's delegated token "
            + shortId(jti(delegated))
            + " (parent "
            + shortId(jti(parent))
            + ")");
    expectAllowed(gateway(2).authorize(delegated, "/orders/77", "10.20.0.31", key), "the agent");
    int status = issuer.revokeOwn("orders-service", parent);
    long revokedAt = System.nanoTime();
    if (status != 200) {
      ledger.fail("orders-service could not revoke its token: HTTP " + status);
    }
    narrator.say("REVOKED", "orders-service revokes parent token " + shortId(jti(parent)));
    ledger.revoked(parent, "parent token");
    ledger.revoked(delegated, "token delegated from a revoked parent");
    awaitPropagation(delegated, revokedAt, "the delegated token");
    expectRevoked(
        gateway(0).authorize(delegated, "/orders/78", "10.20.0.31", key),
        "the delegated token after its parent was revoked");
  }

  private void securityTeamRevokesASubject() {
    narrator.line("");
    narrator.say("SCENE", "the security team revokes every billing-service token issued so far");
    String before = issue("billing-service", "orders:read", Map.of());
    // iat has whole seconds: a watermark on the next whole second covers the token just issued.
    long iat = claims(before).get("iat").asLong();
    await(() -> Instant.now().getEpochSecond() > iat);
    Instant watermark = Instant.ofEpochSecond(Instant.now().getEpochSecond());
    IssuerClient.Answer revoked =
        issuer.adminRevoke("subject", "billing-service", watermark, "COMPROMISED");
    long revokedAt = System.nanoTime();
    requireStatus(revoked, 202, "the subject revocation");
    narrator.say("REVOKED", "subject billing-service, every token issued before " + watermark);
    ledger.revoked(before, "billing-service token issued before the watermark");
    awaitPropagation(before, revokedAt, "the subject revocation");
    String after = issue("billing-service", "orders:read", Map.of());
    expectAllowed(
        gateway(1).authorize(after, "/orders/90", "10.20.0.13", null),
        "billing-service's token issued after the watermark");
  }

  private String issue(String client, String scope, Map<String, String> extra) {
    IssuerClient.Answer answer = issuer.clientCredentials(client, scope, extra);
    requireStatus(answer, 200, client + "'s token request");
    ledger.issued.increment();
    String token = answer.accessToken();
    narrator.say(
        "ISSUED",
        client
            + " token "
            + shortId(jti(token))
            + " ("
            + scope
            + (extra.isEmpty() ? "" : ", " + extra)
            + ")");
    return token;
  }

  private void awaitPropagation(String token, long revokedAt, String what) {
    if (propagation.await(token, revokedAt, PROPAGATION_BUDGET)) {
      double millis = (System.nanoTime() - revokedAt) / 1e6;
      narrator.say(
          "",
          String.format(
              java.util.Locale.ROOT,
              "all %d validators know about %s after %.1f ms",
              gateways.size(),
              what,
              millis));
    } else {
      ledger.fail(what + " did not reach every validator within " + PROPAGATION_BUDGET);
    }
  }

  private void expect(String attack, AlertRule rule, Predicate<SecurityAlert> matches) {
    expectations.add(new Expectation(attack, rule, matches));
  }

  private void expectAllowed(Gateway.Verdict verdict, String who) {
    if (!verdict.allowed()) {
      ledger.fail(who + " was denied: HTTP " + verdict.status() + " " + verdict.challenge());
    }
  }

  private void expectRevoked(Gateway.Verdict verdict, String what) {
    if (verdict.deniedAsRevoked()) {
      narrator.say("DENIED", what + ": revoked");
    } else {
      ledger.fail(what + " was not denied as revoked: HTTP " + verdict.status());
    }
  }

  private IssuerClient.Answer requireOk(IssuerClient.Answer answer, String what) {
    requireStatus(answer, 200, what);
    return answer;
  }

  private void requireStatus(IssuerClient.Answer answer, int status, String what) {
    if (answer.status() != status) {
      throw new IllegalStateException(
          what + " answered HTTP " + answer.status() + ": " + answer.body());
    }
  }

  private Gateway gateway(int index) {
    return gateways.get(index);
  }

  private static String jti(String token) {
    return claims(token).get("jti").asText();
  }

  private static JsonNode claims(String token) {
    return IssuerClient.claims(token);
  }

  private static boolean await(BooleanSupplier condition) {
    long deadline = System.nanoTime() + PROPAGATION_BUDGET.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      LockSupport.parkNanos(10_000_000);
    }
    return condition.getAsBoolean();
  }

  private static void pause(Duration pause) {
    LockSupport.parkNanos(pause.toNanos());
  }
}
