package io.tokenwatch.anomaly;

import java.util.Locale;

/** The validator deny reasons the rules look at; every other reason is {@link #OTHER}. */
public enum DenyReason {
  REVOKED,
  EXPIRED,
  INSUFFICIENT_SCOPE,
  BINDING_MISMATCH,
  OTHER;

  /** The reason of that name, or {@link #OTHER}. */
  public static DenyReason of(String name) {
    for (DenyReason reason : values()) {
      if (reason.name().equals(name.toUpperCase(Locale.ROOT))) {
        return reason;
      }
    }
    return OTHER;
  }
}
