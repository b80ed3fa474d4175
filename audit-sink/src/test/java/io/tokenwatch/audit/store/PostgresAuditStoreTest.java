package io.tokenwatch.audit.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwatch.audit.ChainKey;
import io.tokenwatch.audit.Checkpoint;
import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@link AuditStoreTest} on PostgreSQL, plus what only a shared store must hold: a sink that lost a
 * partition cannot extend its chain, and two sinks seal one sequence of checkpoints.
 */
class PostgresAuditStoreTest extends AuditStoreTest {

  private static final ChainKey USED_1 = new ChainKey("tokenwatch.token-used", 1);

  @Override
  StoreLocation newLocation() {
    return TestPostgres.shared().newDatabase();
  }

  @Test
  void shouldRefuseARowForgedIntoATakenChainPosition() {
    sealed(30);

    assertThatThrownBy(
            () ->
                sql(
                    "INSERT INTO audit_events SELECT 'forged', event_type, occurred_at, subject,"
                        + " client_id, token_id, grant_id, audience, grant_type, scope, decision,"
                        + " reason, policy_id, policy_version, actor, expires_at, source_topic,"
                        + " source_partition, source_offset, payload, chain_seq, prev_hash, hash,"
                        + " gen_random_uuid() FROM audit_events WHERE event_id = 'use-9'"))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("audit_events_chain_position");
    assertThat(verify().findings()).isEmpty();
  }

  @Test
  void shouldFenceASinkThatLostItsPartitionAndLetItResumeFromTheStore() {
    store.append(uses(0, 10), Map.of(USED_0, 10L));
    try (AuditStore other = AuditStore.openReadWrite(location())) {
      // the partition moved to the other sink, which stores the next records
      other.append(uses(10, 10), Map.of(USED_0, 20L));

      // the first sink still holds a batch read before it lost the partition: the very records
      // the other sink stored...
      assertThatThrownBy(() -> store.append(uses(10, 10), Map.of(USED_0, 20L)))
          .isInstanceOf(ChainFencedException.class);
      // ...or, after the other sink moved on again, new events
      other.append(uses(20, 5), Map.of(USED_0, 25L));
      assertThatThrownBy(() -> store.append(uses(30, 5), Map.of(USED_0, 35L)))
          .isInstanceOf(ChainFencedException.class);

      // it read the partition again, so once it owns it again it resumes where the store is
      assertThat(store.partitions().get(USED_0).nextOffset()).isEqualTo(25);
      assertThat(store.partitions().get(USED_0).chainLength()).isEqualTo(25);
      store.append(uses(25, 5), Map.of(USED_0, 30L));
      assertThatThrownBy(() -> other.append(uses(30, 5), Map.of(USED_0, 35L)))
          .isInstanceOf(ChainFencedException.class);
    }
    assertThat(store.count()).isEqualTo(30);
    store.checkpoint(signer, 1);
    assertThat(verify().findings()).isEmpty();
    assertThat(verify().records()).isEqualTo(30);
  }

  @Test
  void shouldLetTwoSinksAppendToTheirOwnChainsAndSealOneSequenceOfCheckpoints() {
    try (AuditStore other = AuditStore.openReadWrite(location())) {
      store.append(uses(0, 10), Map.of(USED_0, 10L));
      other.append(usesOn(1, 100, 7), Map.of(USED_1, 7L));

      Optional<Checkpoint> first = store.checkpoint(signer, 1);
      assertThat(first).hasValueSatisfying(c -> assertThat(c.records()).isEqualTo(17));
      // the other sink finds everything sealed already
      assertThat(other.checkpoint(signer, 2)).isEmpty();

      other.append(usesOn(1, 107, 3), Map.of(USED_1, 10L));
      assertThat(other.checkpoint(signer, 3))
          .hasValueSatisfying(
              c -> {
                assertThat(c.number()).isEqualTo(2);
                assertThat(c.previousDigest()).isEqualTo(first.orElseThrow().digest());
                assertThat(c.records()).isEqualTo(20);
              });
      assertThat(store.checkpoint(signer, 4)).isEmpty();
    }
    assertThat(store.checkpoints()).extracting(Checkpoint::number).containsExactly(1L, 2L);
    assertThat(verify().findings()).isEmpty();
    assertThat(verify().checkpoints()).isEqualTo(2);
  }

  private static java.util.List<io.tokenwatch.audit.AuditEvent> usesOn(
      int partition, int from, int count) {
    java.util.List<io.tokenwatch.audit.AuditEvent> events = new java.util.ArrayList<>();
    for (int i = from; i < from + count; i++) {
      events.add(
          io.tokenwatch.audit.TestEvents.used(
              "p" + partition + "-use-" + i,
              "tok",
              "alice",
              "app",
              "ALLOWED",
              partition,
              i - 100,
              "read"));
    }
    return events;
  }
}
