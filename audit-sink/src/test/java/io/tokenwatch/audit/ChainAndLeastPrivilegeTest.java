package io.tokenwatch.audit;

import static io.tokenwatch.audit.TestEvents.used;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChainAndLeastPrivilegeTest {

  @Test
  void shouldEncodeRecordsAsDocumentedNetstrings() {
    AuditEvent event = used("e1", "t1", "älice", "app", "ALLOWED", 2, 9, "read", "write");
    String text = new String(new CanonicalEncoding().encode(event, 4), StandardCharsets.UTF_8);

    assertThat(text)
        .startsWith(
            "TWA1,1:4,2:e1,9:TokenUsed,13:" + (TestEvents.T0 + 9000) + ",6:älice,3:app,2:t1,-,")
        .contains(
            ",10:read write,7:ALLOWED,-,-,-,11:validator-1,-,21:tokenwatch.token-used,1:2,1:9,");
  }

  @Test
  void shouldChainHashesSoAnyChangeShowsInEveryLaterHash() {
    ChainHasher hasher = new ChainHasher();
    AuditEvent a = used("a", "t", "s", "c", "ALLOWED", 0, 0, "read");
    AuditEvent b = used("b", "t", "s", "c", "ALLOWED", 0, 1, "read");
    byte[] first = hasher.hash(ChainHasher.genesis(), 0, a);
    byte[] second = hasher.hash(first, 1, b);
    AuditEvent changed = used("a", "t", "s2", "c", "ALLOWED", 0, 0, "read");

    assertThat(hasher.hash(ChainHasher.genesis(), 0, changed)).isNotEqualTo(first);
    assertThat(hasher.hash(hasher.hash(ChainHasher.genesis(), 0, changed), 1, b))
        .isNotEqualTo(second);
    assertThat(hasher.hash(first, 1, b)).isEqualTo(second);
  }

  @Test
  void shouldDetectAForgedCheckpointSignature() throws Exception {
    var keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    var other = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    ChainHead head = new ChainHead(new ChainKey("t", 0), 9, "ab".repeat(32));
    Checkpoint signed =
        new CheckpointSigner(keys).sign(1, 5, Checkpoint.GENESIS_DIGEST, List.of(head));
    Checkpoint forged =
        new CheckpointSigner(other).sign(1, 5, Checkpoint.GENESIS_DIGEST, List.of(head));

    assertThat(CheckpointSigner.isSignedBy(signed, keys.getPublic())).isTrue();
    assertThat(CheckpointSigner.isSignedBy(forged, keys.getPublic())).isFalse();
    assertThat(
            CheckpointSigner.isSignedBy(
                new Checkpoint(
                    1,
                    6,
                    signed.previousDigest(),
                    signed.keyId(),
                    signed.heads(),
                    signed.signature()),
                keys.getPublic()))
        .isFalse();
  }

  @Test
  void shouldRefuseScopesThatAreNoScopeTokensAndTimesOutOfRange() {
    assertThatThrownBy(() -> used("e", "t", "s", "c", "ALLOWED", 0, 0, "two words"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> used("e", "t", "s", "c", "ALLOWED", 0, 0, ""))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldParseTimesAnalystsType() {
    Clock clock = Clock.fixed(Instant.parse("2026-01-02T00:00:00Z"), ZoneOffset.UTC);
    assertThat(TimeArgument.parse("24h", clock))
        .isEqualTo(Instant.parse("2026-01-01T00:00:00Z").toEpochMilli());
    assertThat(TimeArgument.parse("2026-01-01", clock))
        .isEqualTo(Instant.parse("2026-01-01T00:00:00Z").toEpochMilli());
    assertThat(TimeArgument.parse("2026-01-01T10:00:00Z", clock))
        .isEqualTo(Instant.parse("2026-01-01T10:00:00Z").toEpochMilli());
    assertThat(TimeArgument.parse("1000", clock)).isEqualTo(1000);
    assertThatThrownBy(() -> TimeArgument.parse("yesterday", clock))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldListNarrowableIdleAndUnusedPerPrincipal() {
    LeastPrivilege.Principal app = new LeastPrivilege.Principal("app", null);
    LeastPrivilege.Principal agentForAlice = new LeastPrivilege.Principal("agent", "alice");
    LeastPrivilege.Principal idle = new LeastPrivilege.Principal("idle", null);
    LeastPrivilege.Report report =
        LeastPrivilege.compute(
            List.of(
                new LeastPrivilege.ScopeCount(app, "read", 5),
                new LeastPrivilege.ScopeCount(app, "write", 5),
                new LeastPrivilege.ScopeCount(agentForAlice, "read", 2),
                new LeastPrivilege.ScopeCount(idle, "admin", 1)),
            List.of(
                new LeastPrivilege.ScopeCount(app, "read", 40),
                new LeastPrivilege.ScopeCount(agentForAlice, "read", 3)),
            Map.of(app, 5L, agentForAlice, 2L, idle, 1L));

    assertThat(report.principals()).isEqualTo(3);
    assertThat(report.narrowable())
        .extracting(LeastPrivilege.Narrowable::principal, LeastPrivilege.Narrowable::unused)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(app, List.of("write")),
            org.assertj.core.groups.Tuple.tuple(idle, List.of("admin")));
    assertThat(report.idle())
        .extracting(LeastPrivilege.Narrowable::principal)
        .containsExactly(idle);
    assertThat(report.unusedScopes())
        .extracting(LeastPrivilege.UnusedScope::scope)
        .containsExactlyElementsOf(Set.of("admin", "write").stream().sorted().toList());
  }
}
