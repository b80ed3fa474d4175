package io.tokenwatch.anomaly;

import org.jspecify.annotations.Nullable;

/**
 * What the detector knows of one validator: its last report, when it last heard from it, and the
 * episode (silent, stale) it is in, if any. Mutable; changed only by {@link ValidatorRules}.
 */
public final class ValidatorWatch {

  String validatorId = "";
  @Nullable String audience;
  String lastEventId = "";

  /** The last report's {@code occurred_at} (epoch ms, the validator's clock). */
  long lastReportAt;

  /** When the detector received the last report (epoch ms, the detector's wall clock). */
  long lastHeardAt;

  long lastSequence;
  long intervalMs;
  boolean ready;
  @Nullable Long stalenessMs;

  /** The silent episode's start (the last report's time) while silent, else null. */
  @Nullable Long silentSince;

  /** The stale episode's start (its first stale report's time) while stale, else null. */
  @Nullable Long staleSince;

  public ValidatorWatch() {}

  /** The validator this is about. */
  public String validatorId() {
    return validatorId;
  }

  /** Whether the validator is in a silent episode. */
  public boolean silent() {
    return silentSince != null;
  }

  /** Whether the validator is in a stale episode. */
  public boolean stale() {
    return staleSince != null;
  }
}
