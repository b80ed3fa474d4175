package io.tokenwatch.cli.demo;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

/** What the demo did and what went wrong, shared by the traffic and the attack script. */
final class Ledger {

  /** A token that was revoked during the run and must be denied by every validator. */
  record Revoked(String token, String label) {}

  final LongAdder issued = new LongAdder();
  final LongAdder allowed = new LongAdder();
  final LongAdder denied = new LongAdder();
  private final List<Revoked> revoked = new CopyOnWriteArrayList<>();
  private final List<String> failures = new CopyOnWriteArrayList<>();

  void revoked(String token, String label) {
    revoked.add(new Revoked(token, label));
  }

  List<Revoked> revoked() {
    return List.copyOf(revoked);
  }

  /** Records a broken promise; any one makes the demo exit non-zero. */
  void fail(String what) {
    failures.add(what);
  }

  List<String> failures() {
    return List.copyOf(failures);
  }
}
