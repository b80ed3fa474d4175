package io.tokenwatch.issuer.testkit;

import io.tokenwatch.events.IssuanceDenied;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.issuer.EventLog;
import io.tokenwatch.issuer.EventLogUnavailableException;
import io.tokenwatch.issuer.RevocationReceipt;
import io.tokenwatch.schemas.topic.Topics;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps every event in memory; can be told to fail like an unreachable cluster. */
public final class RecordingEventLog implements EventLog {
  public final List<TokenIssued> issued = new CopyOnWriteArrayList<>();
  public final List<IssuanceDenied> denied = new CopyOnWriteArrayList<>();
  public final List<RevocationRequested> requests = new CopyOnWriteArrayList<>();

  /** What the issuer wrote to the revocation fast path. */
  public final List<Revocation> fastPath = new CopyOnWriteArrayList<>();

  public volatile boolean failing;

  @Override
  public void tokenIssued(TokenIssued event) {
    check();
    issued.add(event);
  }

  @Override
  public void issuanceDenied(IssuanceDenied event) {
    check();
    denied.add(event);
  }

  /** Positions as if each topic had one partition holding only what this log recorded. */
  @Override
  public synchronized RevocationReceipt revocation(
      RevocationRequested request, Revocation fastPath) {
    check();
    requests.add(request);
    this.fastPath.add(fastPath);
    return new RevocationReceipt(
        request.getEventId(),
        new RevocationReceipt.Landed(Topics.REVOCATION_REQUESTS.name(), 0, requests.size() - 1L),
        new RevocationReceipt.Landed(
            Topics.REVOCATION_FAST_PATH.name(), 0, this.fastPath.size() - 1L));
  }

  public IssuanceDenied lastDenied() {
    return denied.get(denied.size() - 1);
  }

  private void check() {
    if (failing) {
      throw new EventLogUnavailableException("cluster down", new RuntimeException("down"));
    }
  }
}
