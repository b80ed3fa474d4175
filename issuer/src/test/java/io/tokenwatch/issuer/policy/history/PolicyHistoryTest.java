package io.tokenwatch.issuer.policy.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.issuer.policy.PolicyHolder;
import io.tokenwatch.issuer.policy.PolicyParser;
import io.tokenwatch.issuer.policy.RiskLevel;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyHistoryTest {

  static final String SAMPLE = "tokenwatch-sample";

  static final String ORDERS = "https://orders.example.com";

  /** Takes orders:write from orders-service: a narrowing change. */
  static String narrowed(String sample) {
    return sample.replace("scopes: [orders:read, orders:write]", "scopes: [orders:read]");
  }

  /** Gives orders-service the high-risk orders:export: a widening change past the threshold. */
  static String widened(String sample) {
    return sample.replace(
        "scopes: [orders:read, orders:write]",
        "scopes: [orders:read, orders:write, orders:export]");
  }

  @TempDir Path dir;
  Path file;
  String sample;
  final PolicyParser parser = new PolicyParser(Duration.ofHours(1), "http://localhost:9400");
  final Clock clock = Clock.fixed(Instant.parse("2026-12-05T10:00:00Z"), ZoneOffset.UTC);
  final InMemoryPolicyHistoryLog log = new InMemoryPolicyHistoryLog();
  final InMemoryChangeApprovals approvals = new InMemoryChangeApprovals();
  final List<PolicyHolder.ReloadResult> reloads = new ArrayList<>();

  @BeforeEach
  void writeSample() throws Exception {
    try (InputStream in = getClass().getResourceAsStream("/sample-policy.yaml")) {
      sample = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    file = dir.resolve("policy.yaml");
    Files.writeString(file, sample);
  }

  PolicyHistory history(RiskLevel threshold) {
    return new PolicyHistory(log, approvals, threshold, parser, clock);
  }

  PolicyHolder holder(PolicyHistory history) throws Exception {
    return new PolicyHolder(file, parser, reloads::add, history);
  }

  @Test
  void shouldRecordTheFirstPolicyAsVersionOneAtStartupWithItsWholeDocument() throws Exception {
    PolicyHistory history = history(RiskLevel.HIGH);
    try (PolicyHolder holder = holder(history)) {
      assertThat(history.versions(SAMPLE))
          .singleElement()
          .satisfies(
              v -> {
                assertThat(v.version()).isEqualTo(1);
                assertThat(v.previousVersion()).isNull();
                assertThat(v.source()).isEqualTo(ChangeSource.STARTUP);
                assertThat(v.author()).isEqualTo(PolicyHistory.FILE_AUTHOR);
                assertThat(v.digest()).isEqualTo(holder.current().version());
                assertThat(v.document()).isEqualTo(sample);
                assertThat(v.diff())
                    .contains(
                        "+ client reporting-agent: scope orders:export for " + ORDERS + " (high)");
              });
    }
  }

  @Test
  void shouldRecordNothingWhenRestartedWithTheRecordedDocument() throws Exception {
    try (PolicyHolder first = holder(history(RiskLevel.HIGH))) {
      assertThat(first.current()).isNotNull();
    }
    PolicyHistory again = history(RiskLevel.HIGH);
    try (PolicyHolder second = holder(again)) {
      assertThat(again.versions(SAMPLE)).hasSize(1);
      assertThat(log.writes).isEqualTo(1);
    }
  }

  @Test
  void shouldPutANarrowingEditInForceAtOnceAsAFileReloadWithItsDiff() throws Exception {
    PolicyHistory history = history(RiskLevel.HIGH);
    try (PolicyHolder holder = holder(history)) {
      Files.writeString(file, narrowed(sample));

      assertThat(holder.reload()).isInstanceOf(PolicyHolder.ReloadResult.Loaded.class);

      PolicyVersion v2 = history.latest(SAMPLE).orElseThrow();
      assertThat(v2.version()).isEqualTo(2);
      assertThat(v2.previousVersion()).isEqualTo(1);
      assertThat(v2.source()).isEqualTo(ChangeSource.FILE_RELOAD);
      assertThat(v2.digest()).isEqualTo(holder.current().version());
      assertThat(v2.diff())
          .isEqualTo("- client orders-service: scope orders:write for " + ORDERS + " (medium)");
      assertThat(approvals.requests()).isEmpty();
    }
  }

  @Test
  void shouldHoldAWideningEditPastTheThresholdUntilApprovedThenRecordTheApprovals()
      throws Exception {
    PolicyHistory history = history(RiskLevel.HIGH);
    try (PolicyHolder holder = holder(history)) {
      String before = holder.current().version();
      Files.writeString(file, widened(sample));

      PolicyHolder.ReloadResult held = holder.reload();

      assertThat(held).isInstanceOf(PolicyHolder.ReloadResult.Held.class);
      assertThat(holder.current().version()).isEqualTo(before);
      assertThat(history.versions(SAMPLE)).hasSize(1);
      String digest = PolicyParserAccess.versionOf(widened(sample));
      assertThat(holder.pending()).get().extracting(p -> p.version()).isEqualTo(digest);
      assertThat(approvals.requests().get(digest))
          .satisfies(
              request -> {
                assertThat(request.requester()).isEqualTo(PolicyHistory.FILE_AUTHOR);
                assertThat(request.scopes()).containsExactly("orders:export");
                assertThat(request.risk()).isEqualTo(RiskLevel.HIGH);
              });
      assertThat(history.pending()).get().satisfies(p -> assertThat(p.digest()).isEqualTo(digest));
      assertThat(holder.reload()).isInstanceOf(PolicyHolder.ReloadResult.Unchanged.class);
      assertThat(approvals.requests()).hasSize(1);

      approvals.approve(digest, List.of("alice", "bob"));
      assertThat(holder.reload()).isInstanceOf(PolicyHolder.ReloadResult.Loaded.class);

      assertThat(holder.current().version()).isEqualTo(digest);
      assertThat(holder.pending()).isEmpty();
      assertThat(history.pending()).isEmpty();
      PolicyVersion v2 = history.latest(SAMPLE).orElseThrow();
      assertThat(v2.source()).isEqualTo(ChangeSource.APPROVED_CHANGE);
      assertThat(v2.approvals())
          .containsExactly(
              "policy-change-" + digest + ": approved by alice",
              "policy-change-" + digest + ": approved by bob");
      assertThat(v2.diff())
          .isEqualTo("+ client orders-service: scope orders:export for " + ORDERS + " (high)");
    }
  }

  @Test
  void shouldPutAWideningBelowTheThresholdInForceAtOnce() throws Exception {
    PolicyHistory history = history(RiskLevel.CRITICAL);
    try (PolicyHolder holder = holder(history)) {
      Files.writeString(file, widened(sample));

      assertThat(holder.reload()).isInstanceOf(PolicyHolder.ReloadResult.Loaded.class);
      assertThat(history.latest(SAMPLE).orElseThrow().source()).isEqualTo(ChangeSource.FILE_RELOAD);
    }
  }

  @Test
  void shouldJudgeAGrantByItsOldRiskWhenTheSameEditLowersIt() throws Exception {
    PolicyHistory history = history(RiskLevel.HIGH);
    try (PolicyHolder holder = holder(history)) {
      Files.writeString(
          file,
          widened(sample)
              .replace(
                  "Export all orders in bulk, including customer addresses.\n    risk: high",
                  "Export all orders in bulk, including customer addresses.\n    risk: low"));

      assertThat(holder.reload()).isInstanceOf(PolicyHolder.ReloadResult.Held.class);
    }
  }

  @Test
  void shouldStartFromTheRecordedPolicyWhenTheFileWasWidenedWhileTheIssuerWasDown()
      throws Exception {
    String recorded;
    try (PolicyHolder first = holder(history(RiskLevel.HIGH))) {
      recorded = first.current().version();
    }
    Files.writeString(file, widened(sample));

    PolicyHistory history = history(RiskLevel.HIGH);
    try (PolicyHolder second = holder(history)) {
      assertThat(second.current().version()).isEqualTo(recorded);
      assertThat(second.pending()).isPresent();
      assertThat(history.versions(SAMPLE)).hasSize(1);
    }
  }

  @Test
  void shouldRecordANarrowingEditMadeWhileTheIssuerWasDownAsAStartup() throws Exception {
    try (PolicyHolder first = holder(history(RiskLevel.HIGH))) {
      assertThat(first.current()).isNotNull();
    }
    Files.writeString(file, narrowed(sample));

    PolicyHistory history = history(RiskLevel.HIGH);
    try (PolicyHolder second = holder(history)) {
      PolicyVersion v2 = history.latest(SAMPLE).orElseThrow();
      assertThat(v2.version()).isEqualTo(2);
      assertThat(v2.source()).isEqualTo(ChangeSource.STARTUP);
      assertThat(v2.diff()).startsWith("- client orders-service: scope orders:write");
    }
  }

  @Test
  void shouldRecordAChangeOnceWhenTwoHoldersShareTheHistory() throws Exception {
    Path other = dir.resolve("other.yaml");
    Files.writeString(other, sample);
    PolicyHistory a = history(RiskLevel.HIGH);
    PolicyHistory b = history(RiskLevel.HIGH);
    try (PolicyHolder first = holder(a);
        PolicyHolder second = new PolicyHolder(other, parser, reloads::add, b)) {
      Files.writeString(file, narrowed(sample));
      Files.writeString(other, narrowed(sample));

      first.reload();
      second.reload();

      assertThat(log.versions()).extracting(PolicyVersion::version).containsExactly(1L, 2L);
      assertThat(log.writes).isEqualTo(2);
      assertThat(second.current().version()).isEqualTo(first.current().version());
    }
  }

  @Test
  void shouldRebaseOntoAVersionAnotherInstanceTookForADifferentChange() throws Exception {
    Path other = dir.resolve("other.yaml");
    Files.writeString(other, sample);
    PolicyHistory a = history(RiskLevel.HIGH);
    PolicyHistory b = history(RiskLevel.HIGH);
    try (PolicyHolder first = holder(a);
        PolicyHolder second = new PolicyHolder(other, parser, reloads::add, b)) {
      Files.writeString(file, narrowed(sample));
      Files.writeString(other, sample.replace("max_ttl: PT15M", "max_ttl: PT10M"));

      first.reload();
      second.reload();

      assertThat(log.versions()).extracting(PolicyVersion::version).containsExactly(1L, 2L, 3L);
      PolicyVersion v3 = log.versions().get(2);
      assertThat(v3.previousVersion()).isEqualTo(2);
      assertThat(v3.digest()).isEqualTo(second.current().version());
    }
  }

  @Test
  void shouldKeepThePolicyAndRecordNothingForAnInvalidFile() throws Exception {
    PolicyHistory history = history(RiskLevel.HIGH);
    try (PolicyHolder holder = holder(history)) {
      String before = holder.current().version();
      Files.writeString(file, widened(sample).replace("kind: machine", "kind: toaster"));

      assertThat(holder.reload()).isInstanceOf(PolicyHolder.ReloadResult.Rejected.class);
      assertThat(holder.current().version()).isEqualTo(before);
      assertThat(history.versions(SAMPLE)).hasSize(1);
      assertThat(approvals.requests()).isEmpty();
    }
  }

  @Test
  void shouldDropAHeldChangeWhenTheFileIsEditedBack() throws Exception {
    PolicyHistory history = history(RiskLevel.HIGH);
    try (PolicyHolder holder = holder(history)) {
      Files.writeString(file, widened(sample));
      holder.reload();
      Files.writeString(file, sample);

      assertThat(holder.reload()).isInstanceOf(PolicyHolder.ReloadResult.Unchanged.class);
      assertThat(holder.pending()).isEmpty();
      assertThat(history.versions(SAMPLE)).hasSize(1);
    }
  }
}
