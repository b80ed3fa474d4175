package io.tokenwatch.cli.demo;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The normal workload: each service client holds a token, calls the orders API through the gateways
 * at a steady rate from its own address, fetches a new token before the old one expires or after it
 * was revoked, and now and then revokes its own token as a client does at shutdown (RFC 7009),
 * which gives the propagation measurement a steady supply of revocations.
 */
final class Background implements AutoCloseable {

  private static final Duration SELF_REVOKE_EVERY = Duration.ofSeconds(4);

  private final IssuerClient issuer;
  private final List<Gateway> gateways;
  private final Propagation propagation;
  private final Ledger ledger;
  private final Narrator narrator;
  private final double usesPerSecond;
  private final List<Actor> actors = new ArrayList<>();
  private final ExecutorService threads = Executors.newFixedThreadPool(3);
  private volatile boolean running = true;

  /** One service client: its token and the address it calls from. */
  private static final class Actor {
    final String client;
    final String address;
    volatile String token = "";
    volatile Instant expiresAt = Instant.EPOCH;

    Actor(String client, String address) {
      this.client = client;
      this.address = address;
    }
  }

  Background(
      IssuerClient issuer,
      List<Gateway> gateways,
      Propagation propagation,
      Ledger ledger,
      Narrator narrator,
      double usesPerSecond) {
    this.issuer = issuer;
    this.gateways = List.copyOf(gateways);
    this.propagation = propagation;
    this.ledger = ledger;
    this.narrator = narrator;
    this.usesPerSecond = usesPerSecond;
    for (int i = 0; i < DemoPolicy.SERVICES.size(); i++) {
      actors.add(new Actor(DemoPolicy.SERVICES.get(i), "10.20.0." + (11 + i)));
    }
  }

  void start() {
    actors.forEach(this::renew);
    threads.execute(this::useLoop);
    threads.execute(this::selfRevokeLoop);
  }

  private void useLoop() {
    long intervalNanos = (long) (1e9 / usesPerSecond);
    long next = System.nanoTime();
    int turn = 0;
    while (running) {
      Actor actor = actors.get(turn++ % actors.size());
      try {
        use(actor);
      } catch (RuntimeException e) {
        if (running) {
          narrator.say("ERROR", actor.client + ": " + e.getMessage());
        }
      }
      next += intervalNanos;
      long wait = next - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      } else if (wait < -1_000_000_000L) {
        next = System.nanoTime(); // fell behind by a second: do not burst to catch up
      }
    }
  }

  private void use(Actor actor) {
    String token;
    synchronized (actor) {
      if (Instant.now().isAfter(actor.expiresAt.minusSeconds(60))) {
        renew(actor);
      }
      token = actor.token;
    }
    Gateway gateway = gateways.get(ThreadLocalRandom.current().nextInt(gateways.size()));
    String path = "/orders/" + ThreadLocalRandom.current().nextInt(1, 10_000);
    Gateway.Verdict verdict = gateway.authorize(token, path, actor.address, null);
    if (verdict.allowed()) {
      ledger.allowed.increment();
      return;
    }
    ledger.denied.increment();
    if (verdict.deniedAsRevoked()) {
      narrator.say(
          "DENIED",
          actor.client + "'s token at " + gateway.name() + " (revoked); it fetches a new one");
      synchronized (actor) {
        if (actor.token.equals(token)) {
          renew(actor);
        }
      }
    } else if (verdict.status() != 503) {
      narrator.say("DENIED", actor.client + " at " + gateway.name() + ": " + verdict.challenge());
    }
  }

  private void selfRevokeLoop() {
    int turn = 0;
    while (running) {
      LockSupport.parkNanos(SELF_REVOKE_EVERY.toNanos());
      if (!running) {
        return;
      }
      Actor actor = actors.get(turn++ % actors.size());
      try {
        String token;
        long revokedAt;
        // The client stops using a token before revoking it, as a client shutting down would.
        synchronized (actor) {
          token = actor.token;
          int status = issuer.revokeOwn(actor.client, token);
          revokedAt = System.nanoTime();
          if (status != 200) {
            ledger.fail(actor.client + " could not revoke its own token: HTTP " + status);
            continue;
          }
          ledger.revoked(token, actor.client + " (revoked by the client itself)");
          renew(actor);
        }
        if (!propagation.await(token, revokedAt, Duration.ofSeconds(30))) {
          ledger.fail("a token " + actor.client + " revoked did not reach every validator");
        }
      } catch (RuntimeException e) {
        if (running) {
          narrator.say("ERROR", actor.client + ": " + e.getMessage());
        }
      }
    }
  }

  private void renew(Actor actor) {
    IssuerClient.Answer answer =
        issuer.clientCredentials(actor.client, "orders:read orders:write", Map.of());
    actor.token = answer.accessToken();
    actor.expiresAt = Instant.ofEpochSecond(IssuerClient.claims(actor.token).get("exp").asLong());
    ledger.issued.increment();
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    threads.shutdown();
    if (!threads.awaitTermination(30, TimeUnit.SECONDS)) {
      threads.shutdownNow();
    }
  }
}
