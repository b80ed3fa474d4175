package io.tokenwatch.revocation.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.revocation.SelectorKind;
import io.tokenwatch.schemas.revocation.SelectorRules;
import org.junit.jupiter.api.Test;

class SelectorKindTest {

  /**
   * The issuer writes its fast-path record as the stream will resolve the request; if the two
   * disagreed on which kinds get the request time as their watermark, the fast path would revoke
   * more or less than the feed.
   */
  @Test
  void shouldGiveTheRequestTimeAsWatermarkToTheSameKindsAsTheIssuersFastPath() {
    for (SelectorKind kind : SelectorKind.values()) {
      assertThat(kind.defaultsToRequestTimeWatermark())
          .as("%s", kind)
          .isEqualTo(
              SelectorRules.defaultsToRequestTimeWatermark(
                  io.tokenwatch.events.SelectorKind.valueOf(kind.name())));
    }
  }
}
