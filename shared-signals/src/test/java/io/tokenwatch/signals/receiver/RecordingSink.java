package io.tokenwatch.signals.receiver;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A sink keeping what it is given in lists; it can be made to fail like an unreachable Kafka. */
public final class RecordingSink implements SignalSink {

  public final List<RevocationOrder> orders = new CopyOnWriteArrayList<>();
  public final List<Verdict.Refused> deadLetters = new CopyOnWriteArrayList<>();
  public volatile boolean down;

  @Override
  public synchronized void revoke(RevocationOrder order) {
    if (down) {
      throw new SinkUnavailableException("down", new RuntimeException("down"));
    }
    orders.add(order);
  }

  @Override
  public synchronized void refused(byte[] set, Verdict.Refused refusal, String channel) {
    if (down) {
      throw new SinkUnavailableException("down", new RuntimeException("down"));
    }
    deadLetters.add(refusal);
  }
}
