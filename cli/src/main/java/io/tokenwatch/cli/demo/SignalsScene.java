package io.tokenwatch.cli.demo;

import static io.tokenwatch.cli.demo.Narrator.shortId;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

/**
 * Shared Signals both ways, inside the traffic. Out: a SaaS app outside Kafka, which speaks only
 * SSF, denies a token an administrator revoked as soon as the transmitter has pushed it the
 * Security Event Token. In: alice's identity provider ends her sessions and pushes a CAEP {@code
 * session-revoked} to Tokenwatch's receiver; every gateway, and the SaaS app, then deny the token
 * the assistant holds for her.
 */
final class SignalsScene {

  private static final Duration BUDGET = Duration.ofSeconds(30);

  private final IssuerClient issuer;
  private final SaasApp saas;
  private final IdentityProvider provider;
  private final String receiverUrl;
  private final GovernanceScene people;
  private final List<Gateway> gateways;
  private final Propagation propagation;
  private final Ledger ledger;
  private final Narrator narrator;

  SignalsScene(
      IssuerClient issuer,
      SaasApp saas,
      IdentityProvider provider,
      String receiverUrl,
      GovernanceScene people,
      List<Gateway> gateways,
      Propagation propagation,
      Ledger ledger,
      Narrator narrator) {
    this.issuer = issuer;
    this.saas = saas;
    this.provider = provider;
    this.receiverUrl = receiverUrl;
    this.people = people;
    this.gateways = List.copyOf(gateways);
    this.propagation = propagation;
    this.ledger = ledger;
    this.narrator = narrator;
  }

  void run() throws IOException, InterruptedException {
    aSaasAppDeniesARevokedToken();
    LockSupport.parkNanos(Duration.ofSeconds(1).toNanos());
    theIdentityProviderEndsAlicesSessions();
  }

  private void aSaasAppDeniesARevokedToken() throws IOException, InterruptedException {
    narrator.line("");
    narrator.say(
        "SCENE",
        "a SaaS orders app outside Kafka learns of revocations only through Shared Signals (push)");
    IssuerClient.Answer issued =
        issuer.clientCredentials(DemoPolicy.SERVICES.get(0), "orders:read", java.util.Map.of());
    if (!issued.ok()) {
      throw new IllegalStateException("the token request answered " + issued.status());
    }
    ledger.issued.increment();
    String token = issued.accessToken();
    String jti = IssuerClient.claims(token).path("jti").asText();
    int before = saas.call(token);
    if (before == 200) {
      ledger.allowed.increment();
      narrator.say("ALLOWED", "the SaaS app takes token " + shortId(jti) + ": HTTP 200");
    } else {
      ledger.fail("the SaaS app refused a valid token: HTTP " + before);
    }
    IssuerClient.Answer revoked = issuer.adminRevoke("token", jti, null, "COMPROMISED");
    long revokedAt = System.nanoTime();
    if (revoked.status() != 202) {
      ledger.fail("the token revocation answered " + revoked.status());
      return;
    }
    narrator.say("REVOKED", "token " + shortId(jti) + " by the security team");
    ledger.revoked(token, "the token revoked for the SaaS app");
    if (!awaitSaas(token, revokedAt)) {
      ledger.fail("the SaaS app did not learn of the revocation within " + BUDGET);
      return;
    }
    narrator.say(
        "",
        String.format(
            Locale.ROOT,
            "the transmitter pushed the SET; the SaaS app knows after %.1f ms",
            (System.nanoTime() - revokedAt) / 1e6));
    int after = saas.call(token);
    if (after == 401) {
      ledger.denied.increment();
      narrator.say("DENIED", "the SaaS app refuses token " + shortId(jti) + ": HTTP 401");
    } else {
      ledger.fail("the SaaS app still takes a revoked token: HTTP " + after);
    }
  }

  private void theIdentityProviderEndsAlicesSessions() throws IOException, InterruptedException {
    narrator.line("");
    narrator.say(
        "SCENE",
        "alice's identity provider ends her sessions and sends Tokenwatch a CAEP session-revoked");
    String token = people.aliceConsentsToASubset(people.person("alice"));
    int before = saas.call(token);
    if (before == 200) {
      ledger.allowed.increment();
    } else {
      ledger.fail("the SaaS app refused alice's valid token: HTTP " + before);
    }
    int status = provider.revokeSessions(receiverUrl, "alice", "alice reported her laptop stolen");
    long revokedAt = System.nanoTime();
    if (status != 202) {
      ledger.fail("Tokenwatch's receiver answered " + status + " to the provider's SET");
      return;
    }
    narrator.say(
        "SIGNAL", "session-revoked for alice from " + provider.issuer() + ": receiver answers 202");
    ledger.revoked(token, "the assistant's token for alice after her provider ended her sessions");
    if (propagation.await(token, revokedAt, BUDGET)) {
      narrator.say(
          "",
          String.format(
              Locale.ROOT,
              "all %d validators deny the assistant's token for alice after %.1f ms",
              gateways.size(),
              (System.nanoTime() - revokedAt) / 1e6));
    } else {
      ledger.fail("the provider's revocation did not reach every validator within " + BUDGET);
    }
    if (awaitSaas(token, revokedAt)) {
      narrator.say(
          "",
          String.format(
              Locale.ROOT,
              "and the SaaS app, through Tokenwatch's transmitter, after %.1f ms",
              (System.nanoTime() - revokedAt) / 1e6));
    } else {
      ledger.fail("the SaaS app did not learn of alice's revocation within " + BUDGET);
    }
    Gateway.Verdict gateway = gateways.get(0).authorize(token, "/orders/17", "10.30.0.5", null);
    int saasAfter = saas.call(token);
    if (gateway.deniedAsRevoked() && saasAfter == 401) {
      ledger.denied.add(2);
      narrator.say("DENIED", "the assistant reads alice's orders again: revoked everywhere");
    } else {
      ledger.fail(
          "alice's token was not denied after her provider's signal: gateway HTTP "
              + gateway.status()
              + ", SaaS app HTTP "
              + saasAfter);
    }
  }

  private boolean awaitSaas(String token, long since) {
    long deadline = since + BUDGET.toNanos();
    while (System.nanoTime() < deadline) {
      if (saas.revocationCovering(token).isPresent()) {
        return true;
      }
      LockSupport.parkNanos(200_000);
    }
    return false;
  }
}
