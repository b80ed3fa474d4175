package io.tokenwatch.audit.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.audit.AuditEvent;
import io.tokenwatch.audit.AuditFilter;
import io.tokenwatch.audit.ChainKey;
import io.tokenwatch.audit.GrantView;
import io.tokenwatch.audit.http.AuditJson;
import io.tokenwatch.audit.kafka.EventMapper;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.schemas.SampleEvents;
import io.tokenwatch.testing.fixtures.TestEvents;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Grants revoked by selector and watermark, matched as validators match them (docs/TOKENS.md), from
 * events mapped exactly as the sink maps them.
 */
class GrantRevocationTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final long NOW = T0.plus(Duration.ofMinutes(1)).toEpochMilli();

  @TempDir Path dir;

  private StoreLocation location;

  /** Where the store under test is; the PostgreSQL subclass runs every test on PostgreSQL. */
  StoreLocation newLocation() {
    return new StoreLocation.DuckDbFile(dir.resolve("audit.duckdb"));
  }

  /** The store under test, the same one for the whole test. */
  final StoreLocation location() {
    if (location == null) {
      location = newLocation();
    }
    return location;
  }

  final boolean onDuckDb() {
    return location() instanceof StoreLocation.DuckDbFile;
  }

  private AuditStore store;
  private final List<AuditEvent> events = new ArrayList<>();

  @BeforeEach
  void open() {
    store = AuditStore.openReadWrite(location());
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void shouldRevokeEveryTokenOfASubjectIssuedBeforeTheWatermark() {
    issue("before", "alice", "app", "g1", 10, List.of());
    issue("at-watermark", "alice", "app", "g2", 30, List.of());
    issue("after", "alice", "app", "g3", 40, List.of());
    issue("other-subject", "bob", "app", "g4", 10, List.of());
    revoke("rev-1", SelectorKind.SUBJECT, "alice", 30L, 35);

    Map<String, GrantView> grants = grants();

    assertRevoked(grants.get("before"), "subject:alice", "rev-1");
    assertThat(grants.get("at-watermark").state()).isEqualTo(GrantView.State.ACTIVE);
    assertThat(grants.get("after").state()).isEqualTo(GrantView.State.ACTIVE);
    assertThat(grants.get("other-subject").state()).isEqualTo(GrantView.State.ACTIVE);
  }

  @Test
  void shouldFollowTheWatermarkNotTheTimeOfTheRevocation() {
    // issued before the revocation took effect but after its watermark: validators accept it
    issue("between", "alice", "app", "g1", 20, List.of());
    // issued after the revocation took effect but before a watermark set ahead: validators refuse
    issue("ahead", "carol", "app", "g2", 50, List.of());
    revoke("rev-alice", SelectorKind.SUBJECT, "alice", 15L, 25);
    revoke("rev-carol", SelectorKind.SUBJECT, "carol", 60L, 25);

    Map<String, GrantView> grants = grants();

    assertThat(grants.get("between").state()).isEqualTo(GrantView.State.ACTIVE);
    assertRevoked(grants.get("ahead"), "subject:carol", "rev-carol");
  }

  @Test
  void shouldRevokeByClientAndGrantWatermark() {
    issue("c-old", "alice", "agent", "g1", 10, List.of());
    issue("c-new", "bob", "agent", "g2", 50, List.of());
    issue("g-old", "dave", "app", "family", 10, List.of());
    issue("g-new", "dave", "app", "family", 50, List.of());
    revoke("rev-client", SelectorKind.CLIENT, "agent", 20L, 21);
    revoke("rev-grant", SelectorKind.GRANT, "family", 20L, 22);

    Map<String, GrantView> grants = grants();

    assertRevoked(grants.get("c-old"), "client:agent", "rev-client");
    assertThat(grants.get("c-new").state()).isEqualTo(GrantView.State.ACTIVE);
    assertRevoked(grants.get("g-old"), "grant:family", "rev-grant");
    assertThat(grants.get("g-new").state()).isEqualTo(GrantView.State.ACTIVE);
  }

  @Test
  void shouldRevokeTheDescendantsOfARevokedLineage() {
    issue("root", "alice", "app", "g1", 10, List.of());
    issue("child", "alice", "agent", "g2", 11, List.of("root"));
    issue("grandchild", "alice", "agent2", "g3", 12, List.of("child", "root"));
    issue("unrelated", "alice", "app", "g4", 13, List.of("other-root"));
    issue("late-child", "alice", "agent", "g5", 40, List.of("root"));
    revoke("rev-lineage", SelectorKind.LINEAGE, "root", 30L, 20);

    Map<String, GrantView> grants = grants();

    assertRevoked(grants.get("root"), "lineage:root", "rev-lineage");
    assertRevoked(grants.get("child"), "lineage:root", "rev-lineage");
    assertRevoked(grants.get("grandchild"), "lineage:root", "rev-lineage");
    assertThat(grants.get("unrelated").state()).isEqualTo(GrantView.State.ACTIVE);
    assertThat(grants.get("late-child").state()).isEqualTo(GrantView.State.ACTIVE);
  }

  @Test
  void shouldRevokeByTokenIdWhateverTheIssuanceTimeWithoutWatermark() {
    issue("t1", "alice", "app", "g1", 10, List.of());
    issue("t2", "alice", "app", "g2", 10, List.of());
    issue("t3", "alice", "app", "g3", 10, List.of());
    revoke("rev-t1", SelectorKind.TOKEN, "t1", null, 5);
    revoke("rev-t2", SelectorKind.TOKEN, "t2", 5L, 6);

    Map<String, GrantView> grants = grants();

    assertRevoked(grants.get("t1"), "token:t1", "rev-t1");
    assertThat(grants.get("t2").state()).isEqualTo(GrantView.State.ACTIVE);
    assertThat(grants.get("t3").state()).isEqualTo(GrantView.State.ACTIVE);
  }

  @Test
  void shouldNameTheFirstCoveringRevocation() {
    issue("t1", "alice", "app", "g1", 10, List.of());
    revoke("rev-late", SelectorKind.TOKEN, "t1", null, 50);
    revoke("rev-early", SelectorKind.SUBJECT, "alice", 20L, 25);

    assertRevoked(grants().get("t1"), "subject:alice", "rev-early");
  }

  private void assertRevoked(GrantView grant, String selector, String revocationId) {
    assertThat(grant.state()).isEqualTo(GrantView.State.REVOKED);
    assertThat(grant.revocationReason()).isEqualTo("COMPROMISED");
    assertThat(grant.revokedBy()).isEqualTo("admin:bob@example.com");
    assertThat(grant.revocationSelector()).isEqualTo(selector);
    assertThat(grant.revocationId()).isEqualTo(revocationId);
    assertThat(AuditJson.grant(grant).path("revocation").path("id").asText())
        .isEqualTo(revocationId);
  }

  @Test
  void shouldTellATokensLifeWithTheRevocationsThatCoverIt() {
    issue("root", "alice", "app", "g1", 10, List.of());
    issue("child", "alice", "agent", "g2", 20, List.of("root"));
    revoke("rev-lineage", SelectorKind.LINEAGE, "root", 30L, 40);
    revoke("rev-alice-early", SelectorKind.SUBJECT, "alice", 15L, 41);
    revoke("rev-alice", SelectorKind.SUBJECT, "alice", 45L, 45);
    revoke("rev-bob", SelectorKind.SUBJECT, "bob", 45L, 46);
    revoke("rev-grant-g2", SelectorKind.GRANT, "g2", 10L, 47);

    append();
    AuditQueries queries = new AuditQueries(store);

    // the early subject watermark and the grant's watermark precede the child's iat: not covered
    assertThat(queries.timeline("child", 100).stream().map(AuditEvent::eventId))
        .containsExactly("ev-child", "rev-lineage", "rev-alice");
    assertThat(queries.timeline("root", 100).stream().map(AuditEvent::eventId))
        .containsExactly("ev-root", "rev-lineage", "rev-alice-early", "rev-alice");
  }

  private void append() {
    Map<ChainKey, Long> offsets = new HashMap<>();
    for (AuditEvent event : events) {
      offsets.merge(event.chain(), event.sourceOffset() + 1, Math::max);
    }
    store.append(events, offsets);
    events.clear();
  }

  private Map<String, GrantView> grants() {
    append();
    return new AuditQueries(store)
        .grants(AuditFilter.all(1000), NOW).stream()
            .collect(Collectors.toMap(g -> g.issuance().tokenId(), Function.identity()));
  }

  /** A token issued {@code second} seconds after T0 (its iat, truncated to seconds). */
  private void issue(
      String tokenId,
      String subject,
      String client,
      String grant,
      int second,
      List<String> lineage) {
    Instant iat = T0.plusSeconds(second);
    TokenIssued issued =
        TokenIssued.newBuilder(SampleEvents.tokenIssued())
            .setEventId("ev-" + tokenId)
            // the issuer records the decision a few milliseconds after the iat it signs
            .setOccurredAt(iat.plusMillis(7))
            .setIssuedAt(iat)
            .setNotBefore(iat)
            .setExpiresAt(iat.plus(Duration.ofHours(1)))
            .setTokenId(tokenId)
            .setSubject(subject)
            .setClientId(client)
            .setGrantId(grant)
            .setParentTokenId(lineage.isEmpty() ? null : lineage.get(0))
            .setLineage(lineage)
            .build();
    events.add(EventMapper.map(issued, "tokenwatch.token-issued", 0, events.size()));
  }

  private void revoke(
      String eventId, SelectorKind kind, String value, @Nullable Long beforeSecond, int second) {
    Revocation revocation =
        Revocation.newBuilder(SampleEvents.revocation())
            .setEventId(eventId)
            .setOccurredAt(T0.plusSeconds(second))
            .setSelector(
                TestEvents.selector(
                    kind, value, beforeSecond == null ? null : T0.plusSeconds(beforeSecond)))
            .setReason(RevocationReason.COMPROMISED)
            .build();
    events.add(EventMapper.map(revocation, "tokenwatch.revocations", 0, events.size()));
  }
}
