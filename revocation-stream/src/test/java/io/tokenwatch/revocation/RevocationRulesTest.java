package io.tokenwatch.revocation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class RevocationRulesTest {

  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  private final RevocationRules rules =
      new RevocationRules(Duration.ofHours(1), Duration.ofMinutes(1));

  private static LiveToken token(String id, Instant issuedAt, List<String> lineage) {
    return new LiveToken(
        id,
        "alice",
        "app",
        "g1",
        "CLIENT_CREDENTIALS",
        null,
        lineage,
        "api",
        issuedAt,
        issuedAt.plus(Duration.ofMinutes(10)),
        null,
        List.of("read"));
  }

  private static RevocationRequest request(
      SelectorKind kind, String value, @Nullable Instant before) {
    return new RevocationRequest(
        new Selector(kind, value), before, Reason.ADMIN, "admin", "e1", T0, null, null, null);
  }

  @Test
  void shouldCoverTokensTheStreamHasNeverSeenByWatermark() {
    LiveRevocation watermark = rules.resolve(request(SelectorKind.SUBJECT, "alice", null), null);

    assertThat(watermark.covers(token("issued-earlier", T0.minusSeconds(5), List.of()))).isTrue();
    assertThat(watermark.covers(token("issued-later", T0.plusSeconds(5), List.of()))).isFalse();
  }

  @Test
  void shouldRevokeEveryDescendantOfARevokedLineageRoot() {
    LiveRevocation lineage = rules.resolve(request(SelectorKind.LINEAGE, "root", null), null);

    assertThat(lineage.covers(token("child", T0.plusSeconds(60), List.of("parent", "root"))))
        .isTrue();
    assertThat(lineage.covers(token("root", T0.minusSeconds(60), List.of()))).isTrue();
    assertThat(lineage.covers(token("other", T0, List.of("parent")))).isFalse();
  }

  @Test
  void shouldAnswerRevokedOnceTheCountPassesMaxUsesEvenBeforeTheFeedHasTheRecord() {
    LiveToken limited =
        new LiveToken(
            "t",
            "alice",
            "app",
            "g1",
            "CLIENT_CREDENTIALS",
            null,
            List.of(),
            "api",
            T0,
            T0.plusSeconds(600),
            2,
            List.of());

    assertThat(TokenStatus.of(limited, 2, List.of(), T0)).isInstanceOf(TokenStatus.Active.class);
    assertThat(TokenStatus.of(limited, 3, List.of(), T0)).isInstanceOf(TokenStatus.Revoked.class);
    assertThat(TokenStatus.of(limited, 0, List.of(), T0.plusSeconds(600)))
        .isInstanceOf(TokenStatus.Unknown.class);
  }

  @Test
  void shouldTreatNoWatermarkAsTheHighest() {
    LiveRevocation withWatermark =
        rules.resolve(request(SelectorKind.TOKEN, "t", T0.minusSeconds(1)), null);
    LiveRevocation outright = rules.resolve(request(SelectorKind.TOKEN, "t", null), null);

    assertThat(rules.merge(withWatermark, outright))
        .get()
        .extracting(LiveRevocation::issuedBefore)
        .isNull();
    assertThat(rules.merge(outright, withWatermark)).isEmpty();
  }
}
