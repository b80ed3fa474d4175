package io.tokenwatch.console.web;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The outcome of a verification the person asked for (the audit API's {@code /verify}).
 *
 * @param findings each finding in words, empty when the history verifies
 */
public record Verification(
    boolean verifies,
    long records,
    long chains,
    long checkpoints,
    long unsealed,
    List<String> findings,
    String at) {

  public Verification {
    findings = List.copyOf(findings);
  }

  static Verification of(JsonNode report, String at) {
    List<String> findings = new ArrayList<>();
    report.path("findings").forEach(f -> findings.add(f.path("detail").asText()));
    return new Verification(
        report.path("verifies").asBoolean(false),
        report.path("records").asLong(),
        report.path("chains").asLong(),
        report.path("checkpoints").asLong(),
        report.path("unsealed").asLong(),
        findings,
        at);
  }
}
