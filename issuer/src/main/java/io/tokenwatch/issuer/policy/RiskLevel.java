package io.tokenwatch.issuer.policy;

/** How much harm a scope can do in the wrong hands, lowest first. */
public enum RiskLevel {
  LOW,
  MEDIUM,
  HIGH,
  CRITICAL
}
