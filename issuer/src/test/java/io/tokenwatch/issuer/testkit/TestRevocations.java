package io.tokenwatch.issuer.testkit;

import io.tokenwatch.validator.RevocationIndex;
import io.tokenwatch.validator.RevocationView;
import io.tokenwatch.validator.VerifiedToken;
import java.time.Clock;
import org.jspecify.annotations.Nullable;

/**
 * The revocation feed as a test sets it: a real {@link RevocationIndex} for the matching rule, and
 * a freshness the test switches (caught up "now" by the test clock unless made stale).
 */
public final class TestRevocations implements RevocationView {

  public final RevocationIndex index = new RevocationIndex();
  private final Clock clock;
  private volatile boolean fresh = true;

  public TestRevocations(Clock clock) {
    this.clock = clock;
  }

  /** Revokes everything the selector key ({@code <kind>:<value>}) matches. */
  public void revoke(String key) {
    index.put(key, null);
  }

  /** Makes the feed look stale (or fresh again). */
  public void fresh(boolean isFresh) {
    this.fresh = isFresh;
  }

  @Override
  public @Nullable String revokedBy(VerifiedToken token) {
    return index.revokedBy(token);
  }

  @Override
  public Freshness freshness() {
    return fresh ? new Freshness(true, clock.millis()) : new Freshness(true, Long.MIN_VALUE / 2);
  }
}
