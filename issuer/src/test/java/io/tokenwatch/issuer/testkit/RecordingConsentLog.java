package io.tokenwatch.issuer.testkit;

import io.tokenwatch.events.ConsentGranted;
import io.tokenwatch.events.ConsentWithdrawn;
import io.tokenwatch.issuer.EventLogUnavailableException;
import io.tokenwatch.issuer.consent.ConsentLog;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps consent events in memory; can be told to fail like an unreachable cluster. */
public final class RecordingConsentLog implements ConsentLog {
  public final List<ConsentGranted> granted = new CopyOnWriteArrayList<>();
  public final List<ConsentWithdrawn> withdrawn = new CopyOnWriteArrayList<>();
  public volatile boolean failing;

  @Override
  public void granted(ConsentGranted event) {
    check();
    granted.add(event);
  }

  @Override
  public void withdrawn(ConsentWithdrawn event) {
    check();
    withdrawn.add(event);
  }

  private void check() {
    if (failing) {
      throw new EventLogUnavailableException("cluster down", new RuntimeException("down"));
    }
  }
}
