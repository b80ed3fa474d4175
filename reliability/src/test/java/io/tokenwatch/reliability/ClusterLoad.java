package io.tokenwatch.reliability;

import io.tokenwatch.reliability.ClusterGate.Verdict;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cluster test's steady load, from one thread: a token requested at each issuer in turn, used
 * once at each validator in turn, and every second token revoked at the next issuer in turn. A
 * request an issuer does not answer (its JVM killed mid-request) is sent again to another issuer,
 * as a client behind a load balancer would. A second thread watches every accepted revocation until
 * every validator denies the token as revoked, and keeps that propagation time under the phase the
 * revocation was accepted in.
 */
final class ClusterLoad implements AutoCloseable {

  private static final Duration PACE = Duration.ofMillis(60);
  private static final Duration PROBE_PACE = Duration.ofMillis(5);

  private final List<String> issuerUrls;
  private final Set<Integer> downIssuers = ConcurrentHashMap.newKeySet();
  private final Set<String> outOfRotation = ConcurrentHashMap.newKeySet();
  private final List<ClusterGate> gates;
  private final List<String> handedOut = new CopyOnWriteArrayList<>();
  private final List<String> revoked = new CopyOnWriteArrayList<>();
  private final Map<String, String> revokedTokens = new ConcurrentHashMap<>();
  private final List<String> unexpected = new CopyOnWriteArrayList<>();
  private final AtomicLong unansweredRevocations = new AtomicLong();
  private final AtomicLong unansweredTokenRequests = new AtomicLong();
  private final AtomicLong usesAllowed = new AtomicLong();
  private final AtomicLong usesUnavailable = new AtomicLong();
  private final Map<String, List<Long>> propagationMillis = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> acceptedPerPhase = new ConcurrentHashMap<>();
  private final List<Watch> watches = Collections.synchronizedList(new ArrayList<>());
  private final Thread traffic;
  private final Thread prober;
  private volatile boolean running = true;
  private volatile String phase = "steady";

  private record Watch(String token, String phase, long acceptedAt, Set<String> pending) {}

  ClusterLoad(List<String> issuerUrls, List<ClusterGate> gates) {
    this.issuerUrls = List.copyOf(issuerUrls);
    this.gates = List.copyOf(gates);
    traffic = new Thread(this::traffic, "cluster-traffic");
    prober = new Thread(this::probe, "cluster-propagation-prober");
    traffic.setDaemon(true);
    prober.setDaemon(true);
    traffic.start();
    prober.start();
  }

  /** Revocations accepted from now on count under {@code name}. */
  void phase(String name) {
    phase = name;
  }

  /** Sends no further request to issuer {@code index} (it was killed). */
  void issuerDown(int index) {
    downIssuers.add(index);
  }

  /**
   * Sends nothing to {@code gate} until {@link #backInRotation}, as a load balancer does with an
   * instance that is restarting until its readiness check passes.
   */
  void outOfRotation(ClusterGate gate) {
    outOfRotation.add(gate.name());
  }

  void backInRotation(ClusterGate gate) {
    outOfRotation.remove(gate.name());
  }

  private void traffic() {
    int round = 0;
    while (running) {
      round++;
      try {
        String token = requestToken(round);
        if (token != null) {
          handedOut.add(token);
          ClusterGate gate = gates.get(round % gates.size());
          if (outOfRotation.contains(gate.name())) {
            gate = gates.get((round + 1) % gates.size());
          }
          Verdict verdict = gate.check(token);
          if (verdict == Verdict.ALLOWED) {
            usesAllowed.incrementAndGet();
          } else if (verdict == Verdict.UNAVAILABLE) {
            usesUnavailable.incrementAndGet();
          } else {
            unexpected.add(
                gate.name()
                    + " answered "
                    + verdict
                    + " for a fresh token: "
                    + gate.explain(token));
          }
          if (round % 2 == 0) {
            revoke(token, round / 2);
          }
        }
        Thread.sleep(PACE.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        unexpected.add(e.toString());
      }
    }
  }

  private String requestToken(int round) {
    for (int attempt = 0; attempt < issuerUrls.size() * 2; attempt++) {
      int issuer = (round + attempt) % issuerUrls.size();
      if (downIssuers.contains(issuer)) {
        continue;
      }
      try {
        HttpResponse<String> answer = Pipeline.requestToken(issuerUrls.get(issuer));
        if (answer.statusCode() == 200) {
          return Pipeline.accessToken(answer);
        }
        unexpected.add("token request: " + answer.statusCode() + " " + answer.body());
        return null;
      } catch (RuntimeException e) {
        unansweredTokenRequests.incrementAndGet();
      }
    }
    return null;
  }

  private void revoke(String token, int turn) {
    String jti = Pipeline.jti(token);
    for (int attempt = 0; attempt < issuerUrls.size() * 2; attempt++) {
      int issuer = (turn + attempt) % issuerUrls.size();
      if (downIssuers.contains(issuer)) {
        continue;
      }
      try {
        HttpResponse<String> answer = Pipeline.revokeToken(issuerUrls.get(issuer), jti);
        if (answer.statusCode() == 202) {
          long acceptedAt = System.nanoTime();
          revoked.add(jti);
          revokedTokens.put(jti, token);
          String accepted = phase;
          acceptedPerPhase.computeIfAbsent(accepted, p -> new AtomicInteger()).incrementAndGet();
          Set<String> pending = ConcurrentHashMap.newKeySet();
          gates.forEach(g -> pending.add(g.name()));
          watches.add(new Watch(token, accepted, acceptedAt, pending));
        } else {
          unexpected.add("revocation: " + answer.statusCode() + " " + answer.body());
        }
        return;
      } catch (RuntimeException e) {
        // No answer (the issuer's JVM is gone): the client sends the same revocation again.
        unansweredRevocations.incrementAndGet();
      }
    }
    unexpected.add("revocation of " + jti + " answered by no issuer");
  }

  private void probe() {
    while (running || !watches.isEmpty()) {
      List<Watch> open;
      synchronized (watches) {
        open = new ArrayList<>(watches);
      }
      for (Watch watch : open) {
        for (ClusterGate gate : gates) {
          if (watch.pending().contains(gate.name())
              && !outOfRotation.contains(gate.name())
              && gate.check(watch.token()) == Verdict.REVOKED) {
            watch.pending().remove(gate.name());
          }
        }
        if (watch.pending().isEmpty()) {
          long millis = (System.nanoTime() - watch.acceptedAt()) / 1_000_000;
          propagationMillis
              .computeIfAbsent(watch.phase(), p -> new CopyOnWriteArrayList<>())
              .add(millis);
          watches.remove(watch);
        }
      }
      try {
        Thread.sleep(PROBE_PACE.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  List<String> handedOut() {
    return new ArrayList<>(handedOut);
  }

  /** The token ids whose revocation an issuer accepted (202), in order. */
  List<String> revoked() {
    return new ArrayList<>(revoked);
  }

  /** The access tokens whose revocation an issuer accepted, by token id. */
  Map<String, String> revokedTokens() {
    return new HashMap<>(revokedTokens);
  }

  int accepted(String phaseName) {
    AtomicInteger count = acceptedPerPhase.get(phaseName);
    return count == null ? 0 : count.get();
  }

  /** Revocations accepted so far, over every phase. */
  int accepted() {
    return revoked.size();
  }

  /** Revocations still awaited at some validator. */
  int propagating() {
    return watches.size();
  }

  /**
   * The propagation times (revocation accepted to every validator denying) of the revocations
   * accepted in {@code phaseName}, in milliseconds.
   */
  List<Long> propagationMillis(String phaseName) {
    return new ArrayList<>(propagationMillis.getOrDefault(phaseName, List.of()));
  }

  /** Answers no request should get: a refusal of a valid request, a fresh token denied. */
  List<String> unexpected() {
    return new ArrayList<>(unexpected);
  }

  Map<String, Long> counts() {
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("tokensHandedOut", (long) handedOut.size());
    counts.put("revocationsAccepted", (long) revoked.size());
    counts.put("revocationsUnansweredThenSentAgain", unansweredRevocations.get());
    counts.put("tokenRequestsUnansweredThenSentAgain", unansweredTokenRequests.get());
    counts.put("usesAllowed", usesAllowed.get());
    counts.put("usesRefusedByAValidatorNotDeciding", usesUnavailable.get());
    counts.put("unexpectedAnswers", (long) unexpected.size());
    return counts;
  }

  /** Distinct ids of the tokens handed out. */
  Set<String> handedOutIds() {
    Set<String> ids = new HashSet<>();
    handedOut.forEach(t -> ids.add(Pipeline.jti(t)));
    return ids;
  }

  /** Stops sending; the prober goes on until every accepted revocation reached every validator. */
  void stopTraffic() {
    running = false;
    try {
      traffic.join(60_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Waits for the prober, at most {@code timeout}. */
  void awaitPropagated(Duration timeout) {
    try {
      prober.join(timeout.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    running = false;
    watches.clear();
    traffic.interrupt();
    prober.interrupt();
  }
}
