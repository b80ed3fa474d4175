package io.tokenwatch.console.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenwatch.console.source.PolicyViews.DiffLine;
import io.tokenwatch.console.source.PolicyViews.Sign;
import org.junit.jupiter.api.Test;

class PolicyViewsTest {

  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void shouldReadEachDiffLinesSignFromItsMark() {
    assertThat(DiffLine.parse("+ client a: scope b for https://c (high)"))
        .isEqualTo(new DiffLine(Sign.ADDED, "client a: scope b for https://c (high)"));
    assertThat(DiffLine.parse("- admin x")).isEqualTo(new DiffLine(Sign.REMOVED, "admin x"));
    assertThat(DiffLine.parse("~ client a: max_ttl for https://c: PT5M -> PT10M"))
        .isEqualTo(new DiffLine(Sign.CHANGED, "client a: max_ttl for https://c: PT5M -> PT10M"));
  }

  @Test
  void shouldShowALineWithoutAKnownMarkAsAChangeKeepingItsText() {
    assertThat(DiffLine.parse("+no space")).isEqualTo(new DiffLine(Sign.CHANGED, "+no space"));
    assertThat(DiffLine.parse("")).isEqualTo(new DiffLine(Sign.CHANGED, ""));
  }

  @Test
  void shouldTakeTheNewestVersionWithTheDigestInForceAfterARollback() throws Exception {
    PolicyViews.History history =
        PolicyViews.History.fromJson(
            JSON.readTree(
                """
                {"policy_id": "p", "in_force": "aaa", "versions": [
                  {"version": 1, "policy_id": "p", "digest": "aaa", "previous_version": null,
                   "source": "STARTUP", "author": "policy-file", "occurred_at": "2026-01-01T00:00:00Z",
                   "diff": [], "approvals": [], "rolled_back_to": null},
                  {"version": 2, "policy_id": "p", "digest": "bbb", "previous_version": 1,
                   "source": "FILE_RELOAD", "author": "policy-file", "occurred_at": "2026-01-02T00:00:00Z",
                   "diff": ["- client a: scope w for https://c (medium)"], "approvals": [],
                   "rolled_back_to": null},
                  {"version": 3, "policy_id": "p", "digest": "aaa", "previous_version": 2,
                   "source": "ROLLBACK", "author": "adam", "occurred_at": "2026-01-03T00:00:00Z",
                   "diff": ["+ client a: scope w for https://c (medium)"], "approvals": [],
                   "rolled_back_to": 1}
                ]}
                """));

    assertThat(history.inForce()).hasValue(3L);
    assertThat(history.newestFirst())
        .extracting(PolicyViews.Version::version)
        .containsExactly(3L, 2L, 1L);
    assertThat(history.versions().get(2).rolledBackTo()).isEqualTo(1L);
    assertThat(history.versions().get(1).diff())
        .extracting(DiffLine::sign)
        .containsExactly(Sign.REMOVED);
  }

  @Test
  void shouldReadNoPendingChangeAsEmptyAndRefuseAHistoryWithoutVersions() throws Exception {
    assertThat(PolicyViews.Pending.fromJson(JSON.readTree("{\"pending\": null}"))).isEmpty();
    assertThatThrownBy(
            () ->
                PolicyViews.History.fromJson(
                    JSON.readTree("{\"policy_id\": \"p\", \"in_force\": \"a\"}")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("versions must be a list");
  }
}
