package io.tokenwatch.issuer.policy.history;

import io.tokenwatch.issuer.policy.PolicyParser;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A document's digest, as the parser computes it. */
final class PolicyParserAccess {
  private PolicyParserAccess() {}

  static String versionOf(String document) {
    return new PolicyParser(Duration.ofHours(1), "http://localhost:9400")
        .parse(document.getBytes(StandardCharsets.UTF_8))
        .version();
  }
}
