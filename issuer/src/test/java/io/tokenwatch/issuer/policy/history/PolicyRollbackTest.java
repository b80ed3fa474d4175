package io.tokenwatch.issuer.policy.history;

import static io.tokenwatch.issuer.policy.history.PolicyHistoryTest.narrowed;
import static io.tokenwatch.issuer.policy.history.PolicyHistoryTest.widened;
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
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyRollbackTest {

  static final String SAMPLE = "tokenwatch-sample";

  @TempDir Path dir;
  Path file;
  String sample;
  final PolicyParser parser = new PolicyParser(Duration.ofHours(1), "http://localhost:9400");
  final InMemoryPolicyHistoryLog log = new InMemoryPolicyHistoryLog();
  final InMemoryChangeApprovals approvals = new InMemoryChangeApprovals();
  PolicyHistory history;
  PolicyHolder holder;
  PolicyRollback rollback;

  @BeforeEach
  void start() throws Exception {
    try (InputStream in = getClass().getResourceAsStream("/sample-policy.yaml")) {
      sample = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    file = dir.resolve("policy.yaml");
    Files.writeString(file, sample);
    history = new PolicyHistory(log, approvals, RiskLevel.HIGH, parser, Clock.systemUTC());
    holder = new PolicyHolder(file, parser, result -> {}, history);
    rollback = new PolicyRollback(history, holder, parser, file);
  }

  @Test
  void shouldRestoreAnEarlierDocumentAsANewRollbackVersionAuthoredByThePerson() throws Exception {
    Files.writeString(file, narrowed(sample));
    holder.reload();

    PolicyRollback.Outcome outcome = rollback.rollback(1, "carol");

    assertThat(outcome).isInstanceOf(PolicyRollback.Outcome.RolledBack.class);
    assertThat(Files.readString(file)).isEqualTo(sample);
    assertThat(holder.current().version()).isEqualTo(log.versions().get(0).digest());
    PolicyVersion v3 = history.latest(SAMPLE).orElseThrow();
    assertThat(v3.version()).isEqualTo(3);
    assertThat(v3.source()).isEqualTo(ChangeSource.ROLLBACK);
    assertThat(v3.author()).isEqualTo("carol");
    assertThat(v3.rolledBackTo()).isEqualTo(1);
    assertThat(v3.document()).isEqualTo(sample);
    // Restoring orders:write (medium) is below the threshold: no approval needed.
    assertThat(v3.diff()).startsWith("+ client orders-service: scope orders:write");
    assertThat(history.versions(SAMPLE))
        .extracting(PolicyVersion::version)
        .containsExactly(1L, 2L, 3L);
    assertThat(dir.toFile().list()).containsExactly("policy.yaml");
  }

  @Test
  void shouldRefuseAnUnknownVersionAndTheVersionInForceWithoutTouchingTheFile() throws Exception {
    assertThat(rollback.rollback(7, "carol"))
        .isEqualTo(new PolicyRollback.Outcome.UnknownVersion(7));
    assertThat(rollback.rollback(1, "carol"))
        .isEqualTo(new PolicyRollback.Outcome.AlreadyInForce(1));
    assertThat(history.versions(SAMPLE)).hasSize(1);
    assertThat(Files.readString(file)).isEqualTo(sample);
  }

  @Test
  void shouldHoldARollbackThatWidensPastTheThresholdUntilApproved() throws Exception {
    Files.writeString(
        file, sample.replace("scopes: [orders:read, orders:export]", "scopes: [orders:read]"));
    holder.reload();
    assertThat(history.versions(SAMPLE)).hasSize(2);

    PolicyRollback.Outcome outcome = rollback.rollback(1, "carol");

    assertThat(outcome).isInstanceOf(PolicyRollback.Outcome.AwaitingApproval.class);
    String digest = log.versions().get(0).digest();
    assertThat(approvals.requests().get(digest).requester()).isEqualTo("carol");
    assertThat(history.versions(SAMPLE)).hasSize(2);

    approvals.approve(digest, List.of("alice", "bob"));
    holder.reload();

    PolicyVersion v3 = history.latest(SAMPLE).orElseThrow();
    assertThat(v3.source()).isEqualTo(ChangeSource.ROLLBACK);
    assertThat(v3.rolledBackTo()).isEqualTo(1);
    assertThat(v3.approvals()).hasSize(2);
    assertThat(holder.current().version()).isEqualTo(digest);
  }

  @Test
  void shouldNotTouchTheFileForAVersionThisIssuerCannotLoad() throws Exception {
    Files.writeString(file, widened(sample));
    PolicyParser strict = new PolicyParser(Duration.ofMinutes(5), "http://localhost:9400");
    PolicyRollback strictRollback = new PolicyRollback(history, holder, strict, file);
    holder.reload(); // held: file now differs from what is in force

    assertThat(strictRollback.rollback(1, "carol"))
        .isInstanceOf(PolicyRollback.Outcome.AlreadyInForce.class);
    Files.writeString(file, narrowed(sample));
    holder.reload();

    assertThat(strictRollback.rollback(1, "carol"))
        .isInstanceOf(PolicyRollback.Outcome.Invalid.class);
    assertThat(Files.readString(file)).isEqualTo(narrowed(sample));
  }
}
