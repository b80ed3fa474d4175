package io.tokenwatch.console.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AlertBoardTest {

  private static final Instant T0 = Instant.parse("2026-12-05T09:00:00Z");

  @Test
  void shouldShowANewAlertOfASuppressedRuleSubjectAndClientAsSuppressedUntilExpiry() {
    AlertBoard board = new AlertBoard(10);
    board.add(alert("a1", T0, "alice", "agent"));
    board.apply(
        new AlertAct.Suppress(
            "e1",
            "a1",
            "rob",
            T0.plusSeconds(10),
            "batch job",
            new Suppression("UNFAMILIAR_CLIENT", "alice", "agent", T0.plusSeconds(3_600), "rob")));
    board.add(alert("a2", T0.plusSeconds(60), "alice", "agent"));
    board.add(alert("a3", T0.plusSeconds(61), "alice", "cli"));

    AlertBoard.View during = board.view(T0.plusSeconds(120));
    AlertBoard.View after = board.view(T0.plusSeconds(3_600));

    assertThat(during.active()).extracting(e -> e.alert().alertId()).containsExactly("a3");
    assertThat(during.suppressed())
        .extracting(e -> e.alert().alertId())
        .containsExactly("a2", "a1");
    assertThat(during.suppressed().get(0).suppressedBy().actor()).isEqualTo("rob");
    assertThat(after.active())
        .extracting(e -> e.alert().alertId())
        .containsExactly("a3", "a2", "a1");
    assertThat(after.suppressed()).isEmpty();
  }

  @Test
  void shouldApplyAnActThatArrivedBeforeItsAlert() {
    AlertBoard board = new AlertBoard(10);
    board.apply(new AlertAct.Acknowledge("e1", "a1", "rita", T0, null));

    board.add(alert("a1", T0, "alice", "agent"));

    assertThat(board.view(T0).active().get(0).acknowledged().actor()).isEqualTo("rita");
  }

  @Test
  void shouldKeepOnlyTheNewestAlerts() {
    AlertBoard board = new AlertBoard(2);
    board.add(alert("a1", T0, "alice", "agent"));
    board.add(alert("a2", T0.plusSeconds(2), "alice", "agent"));

    boolean keptOld = board.add(alert("a0", T0.minusSeconds(1), "alice", "agent"));
    board.add(alert("a3", T0.plusSeconds(3), "alice", "agent"));

    assertThat(keptOld).isFalse();
    assertThat(board.view(T0).active())
        .extracting(e -> e.alert().alertId())
        .containsExactly("a3", "a2");
    assertThat(board.alert("a1")).isNull();
  }

  @Test
  void shouldKeepTheHighestRevisionOfAnIncidentWhateverOrderItsUpdatesAreRead() {
    AlertBoard board = new AlertBoard(10);
    Alert first = alert("a1", T0, "alice", "agent");
    Alert update = revision(first, 1, T0);
    Alert later = revision(first, 2, T0.plusSeconds(5));

    board.add(first);
    assertThat(board.add(later)).isTrue();
    assertThat(board.add(update)).as("an older update read late").isFalse();

    assertThat(board.alert("a1")).isEqualTo(later);
    assertThat(board.view(T0).active()).hasSize(1);
  }

  private static Alert revision(Alert alert, int revision, Instant at) {
    return new Alert(
        alert.alertId(),
        at,
        alert.rule(),
        alert.severity(),
        alert.subject(),
        alert.clientId(),
        alert.tokenId(),
        alert.grantId(),
        alert.summary(),
        alert.count(),
        alert.firstSeen(),
        at,
        alert.observed(),
        alert.thresholds(),
        revision,
        List.of("subject:" + alert.subject(), "subject:bob"));
  }

  @Test
  void shouldRefuseASuppressionEndingNowOrLaterThanThirtyDays() {
    assertThatThrownBy(() -> Suppression.checkUntil(T0, T0))
        .hasMessage("a suppression must end in the future");
    assertThatThrownBy(() -> Suppression.checkUntil(T0, T0.plus(Duration.ofDays(30)).plusMillis(1)))
        .hasMessage("a suppression may last at most 30 days");
    assertThat(Suppression.checkUntil(T0, T0.plus(Duration.ofDays(30))))
        .isEqualTo(T0.plus(Duration.ofDays(30)));
  }

  private static Alert alert(String id, Instant at, String subject, String client) {
    return new Alert(
        id,
        at,
        "UNFAMILIAR_CLIENT",
        "HIGH",
        subject,
        client,
        null,
        null,
        "s",
        1,
        at,
        at,
        Map.of(),
        Map.of());
  }
}
