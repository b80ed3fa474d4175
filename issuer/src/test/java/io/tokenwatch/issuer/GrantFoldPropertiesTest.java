package io.tokenwatch.issuer;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.events.RefreshGrantChanged;
import io.tokenwatch.events.RefreshGrantStatus;
import io.tokenwatch.testing.fixtures.TestEvents;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.jspecify.annotations.Nullable;

/**
 * The grant fold against a plain model of refresh-token rotation: for each grant, the first
 * presentation of its current token in log order rotates it, and any later presentation of a spent
 * token (or any revocation) revokes it for good.
 *
 * <p>Several issuer instances share one simulated partition. Each reads the log at its own pace,
 * decides from what it has read (as {@code RefreshGrant} does), appends a conditional rotation, and
 * hands the new token out only after reading its record back and finding that it took effect; a
 * loser seals the grant (appends REVOKED) before answering. Between any two steps an instance may
 * crash (losing what it had produced but not yet read back, and never sealing), restart and read
 * the log again from its start, seal the unsealed losses it sees (the grace-period check), or the
 * log may be compacted (only the last record per grant is kept in the cleaned part). The model is
 * fed the whole uncompacted history; every reader (instances, and a late reader of the compacted
 * log) is compared with it.
 */
class GrantFoldPropertiesTest {

  private static final int INSTANCES = 3;
  private static final List<String> GRANTS = List.of("grant-a", "grant-b");
  private static final Instant AT = Instant.parse("2026-12-05T10:00:00Z");

  /** One step of the simulation. */
  sealed interface Op {
    /** A client presents the token {@code back} steps behind the newest it was handed. */
    record Present(int instance, int grant, int back) implements Op {}

    /** An instance reads its oldest pending record back and answers (or seals a loss). */
    record ReadBack(int instance) implements Op {}

    /** An instance reads {@code records} more records. */
    record Read(int instance, int records) implements Op {}

    /** An instance stops after producing, before reading back, and starts again. */
    record Crash(int instance) implements Op {}

    /** The cleaner compacts the log below {@code percent} of its end. */
    record Compact(int percent) implements Op {}

    /** An instance's grace-period check: it seals every unsealed loss it has read. */
    record SealCheck(int instance) implements Op {}
  }

  @Provide
  Arbitrary<List<Op>> histories() {
    Arbitrary<Integer> instance = Arbitraries.integers().between(0, INSTANCES - 1);
    Arbitrary<Integer> grant = Arbitraries.integers().between(0, GRANTS.size() - 1);
    Arbitrary<Integer> back =
        Arbitraries.integers()
            .between(0, 2)
            .withDistribution(net.jqwik.api.RandomDistribution.biased());
    Arbitrary<Op> op =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(
                8, Combinators.combine(instance, grant, back).as(Op.Present::new)),
            net.jqwik.api.Tuple.of(6, instance.map(Op.ReadBack::new)),
            net.jqwik.api.Tuple.of(
                4,
                Combinators.combine(instance, Arbitraries.integers().between(1, 4))
                    .as(Op.Read::new)),
            net.jqwik.api.Tuple.of(1, instance.map(Op.Crash::new)),
            net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0, 100).map(Op.Compact::new)),
            net.jqwik.api.Tuple.of(1, instance.map(Op.SealCheck::new)));
    return op.list().ofMinSize(1).ofMaxSize(80);
  }

  @Property(tries = 400)
  void shouldAgreeWithFirstPresentationWinsWhateverTheInterleavingCrashesAndCompaction(
      @ForAll("histories") List<Op> history) {
    Simulation sim = new Simulation();
    for (Op op : history) {
      sim.run(op);
      sim.checkInvariants();
    }
    sim.settle();
    sim.checkInvariants();
    sim.checkSettled();
  }

  @Property(tries = 200)
  void shouldHandOutExactlyOneRotationWhenEveryInstancePresentsTheSameTokenAtOnce(
      @ForAll @Size(min = 2, max = 6)
          List<@net.jqwik.api.constraints.IntRange(min = 0, max = 2) Integer> presenters,
      @ForAll boolean compactBeforeReadBack) {
    Simulation sim = new Simulation();
    List<Integer> distinct = presenters.stream().distinct().toList();
    for (int instance : distinct) {
      sim.run(new Op.Present(instance, 0, 0)); // all decided against the same state
    }
    if (compactBeforeReadBack) {
      sim.run(new Op.Compact(100));
    }
    for (int instance : distinct) {
      sim.run(new Op.ReadBack(instance));
    }
    sim.settle();
    sim.checkInvariants();
    sim.checkSettled();
    assertThat(sim.handouts).as("rotations handed out").isEqualTo(1);
    assertThat(sim.model.get(GRANTS.get(0)).revoked)
        .as("revoked when more than one instance presented")
        .isEqualTo(distinct.size() > 1);
  }

  @Example
  void shouldLetALateReaderThatSeesOnlyALosingRecordAcceptNoTokenUntilTheSealSaysRevoked() {
    RefreshGrantChanged open =
        TestEvents.refreshGrant("grant-a", AT).setTokenHashes(List.of("t0")).build();
    RefreshGrantChanged winner = rotation(open, "t1", "issuer-0");
    RefreshGrantChanged loser = rotation(open, "t2", "issuer-1");
    GrantFold.Step full =
        GrantFold.fold(GrantFold.fold(GrantFold.fold(null, open).folded(), winner).folded(), loser);
    assertThat(full.verdict()).isEqualTo(GrantFold.Verdict.LOST);
    assertThat(full.folded().state().getStatus()).isEqualTo(RefreshGrantStatus.REVOKED);
    assertThat(full.folded().sealed()).isFalse();

    // Compaction left the losing record alone: it reads ACTIVE, but its newest token was never
    // handed out (its writer lost) and every older one is spent, so no token is accepted.
    GrantFold.Step late = GrantFold.fold(null, loser);
    assertThat(late.folded().state().getStatus()).isEqualTo(RefreshGrantStatus.ACTIVE);
    assertThat(current(Folded.of(late.folded()))).isEqualTo("t2").isNotIn("t0", "t1");

    RefreshGrantChanged seal =
        RefreshGrantChanged.newBuilder(full.folded().state()).setEventId("seal").build();
    assertThat(GrantFold.fold(full.folded(), seal).folded().sealed()).isTrue();
    assertThat(GrantFold.fold(late.folded(), seal).folded().state().getStatus())
        .isEqualTo(RefreshGrantStatus.REVOKED);
    assertThat(GrantFold.fold(null, seal).folded().state().getStatus())
        .isEqualTo(RefreshGrantStatus.REVOKED);
  }

  @Example
  void shouldNeverLetAnActiveRecordTakeEffectAfterARevocation() {
    RefreshGrantChanged open =
        TestEvents.refreshGrant("grant-a", AT).setTokenHashes(List.of("t0")).build();
    RefreshGrantChanged revoked =
        RefreshGrantChanged.newBuilder(open)
            .setEventId("revoked")
            .setStatus(RefreshGrantStatus.REVOKED)
            .build();
    GrantFold.Folded afterRevocation =
        GrantFold.fold(GrantFold.fold(null, open).folded(), revoked).folded();

    GrantFold.Step stale = GrantFold.fold(afterRevocation, rotation(open, "t1", "issuer-1"));

    assertThat(stale.verdict()).isEqualTo(GrantFold.Verdict.LOST);
    assertThat(stale.folded().state().getStatus()).isEqualTo(RefreshGrantStatus.REVOKED);
    assertThat(stale.folded().sealed()).isFalse();
  }

  private static RefreshGrantChanged rotation(
      RefreshGrantChanged from, String token, String instance) {
    List<String> hashes = new ArrayList<>(from.getTokenHashes());
    hashes.add(token);
    return RefreshGrantChanged.newBuilder(from)
        .setEventId("rotation-to-" + token)
        .setGeneration(from.getGeneration() + 1)
        .setTokenHashes(hashes)
        .setChangedBy(instance)
        .build();
  }

  private static String current(Folded folded) {
    List<String> hashes = folded.state().getTokenHashes();
    return hashes.get(hashes.size() - 1);
  }

  private record Folded(RefreshGrantChanged state, boolean sealed) {
    static Folded of(GrantFold.Folded folded) {
      return new Folded(folded.state(), folded.sealed());
    }
  }

  /** The plain model: current token, spent tokens, revoked. */
  private static final class ModelGrant {
    @Nullable String current;
    final Set<String> spent = new HashSet<>();
    boolean revoked;
  }

  private record Entry(long offset, RefreshGrantChanged record) {}

  private record Pending(
      String grantId, String eventId, long offset, String presented, String newToken) {}

  private static final class Instance {
    final String id;
    long position;
    final Map<String, GrantFold.Folded> view = new HashMap<>();
    final Map<String, GrantFold.Step> verdicts = new HashMap<>();
    final ArrayDeque<Pending> pending = new ArrayDeque<>();

    /** Whether it has read every record of the history below its position (none compacted). */
    boolean complete = true;

    Instance(int index) {
      this.id = "issuer-" + index;
    }
  }

  private static final class Simulation {
    final List<Entry> log = new ArrayList<>();
    final List<RefreshGrantChanged> history = new ArrayList<>();
    final Map<String, ModelGrant> model = new LinkedHashMap<>();
    final Map<String, List<String>> handedOut = new HashMap<>();
    final Map<String, Integer> handoutsPerPresented = new HashMap<>();
    final List<Instance> instances = new ArrayList<>();
    long nextOffset;
    int tokens;
    int handouts;

    Simulation() {
      for (int i = 0; i < INSTANCES; i++) {
        instances.add(new Instance(i));
      }
      for (String grant : GRANTS) {
        String first = newToken();
        append(
            TestEvents.refreshGrant(grant, AT)
                .setTokenHashes(List.of(first))
                .setChangedBy("opener")
                .build());
        handedOut.put(grant, new ArrayList<>(List.of(first)));
      }
    }

    String newToken() {
      return "token-" + tokens++;
    }

    long append(RefreshGrantChanged record) {
      long offset = nextOffset++;
      log.add(new Entry(offset, record));
      history.add(record);
      feedModel(record);
      return offset;
    }

    /** The model reads the whole history, in log order, in its own plain terms. */
    private void feedModel(RefreshGrantChanged record) {
      ModelGrant grant = model.computeIfAbsent(record.getGrantId(), id -> new ModelGrant());
      List<String> hashes = record.getTokenHashes();
      if (record.getStatus() != RefreshGrantStatus.ACTIVE) {
        grant.revoked = true;
      } else if (grant.current == null) {
        grant.current = hashes.get(hashes.size() - 1);
      } else {
        String presented = hashes.get(hashes.size() - 2);
        if (!grant.revoked && presented.equals(grant.current)) {
          grant.spent.add(presented);
          grant.current = hashes.get(hashes.size() - 1);
        } else {
          grant.spent.add(presented);
          grant.revoked = true;
        }
      }
    }

    void readTo(Instance instance, long offset) {
      for (Entry entry : log) {
        if (entry.offset() >= instance.position && entry.offset() < offset) {
          GrantFold.Step step =
              GrantFold.fold(instance.view.get(entry.record().getGrantId()), entry.record());
          instance.view.put(entry.record().getGrantId(), step.folded());
          instance.verdicts.put(entry.record().getEventId(), step);
        }
      }
      instance.position = Math.max(instance.position, offset);
    }

    void run(Op op) {
      if (op instanceof Op.Present present) {
        present(present);
      } else if (op instanceof Op.ReadBack readBack) {
        readBack(instances.get(readBack.instance()));
      } else if (op instanceof Op.Read read) {
        Instance instance = instances.get(read.instance());
        readTo(instance, Math.min(nextOffset, instance.position + read.records()));
      } else if (op instanceof Op.Crash crash) {
        Instance restarted = new Instance(crash.instance());
        restarted.complete = log.size() == history.size();
        instances.set(crash.instance(), restarted);
        readTo(restarted, nextOffset); // an instance serves only once it has read the log
      } else if (op instanceof Op.Compact compact) {
        // The cleaner only cleans closed segments, and a record only goes once a later record of
        // its key is in one: hours after it, far beyond every live follower (milliseconds behind)
        // and every seal check's grace. So first every instance's grace check runs, and the
        // cleaner stays below every instance's position.
        instances.forEach(this::sealUnsealed);
        long slowest = instances.stream().mapToLong(i -> i.position).min().orElse(0);
        compact(slowest * compact.percent() / 100);
      } else if (op instanceof Op.SealCheck check) {
        sealUnsealed(instances.get(check.instance()));
      }
    }

    private void present(Op.Present op) {
      Instance instance = instances.get(op.instance());
      String grantId = GRANTS.get(op.grant());
      // The grant's lock: one presentation of a grant at a time on an instance.
      while (instance.pending.stream().anyMatch(p -> p.grantId().equals(grantId))) {
        readBack(instance);
      }
      List<String> held = handedOut.get(grantId);
      String presented = held.get(Math.max(0, held.size() - 1 - op.back()));
      GrantFold.Folded folded = instance.view.get(grantId);
      if (folded == null || !folded.state().getTokenHashes().contains(presented)) {
        readTo(instance, nextOffset); // RefreshGrantStore.latest
        folded = instance.view.get(grantId);
      }
      if (folded == null || !folded.state().getTokenHashes().contains(presented)) {
        return; // unknown refresh token: refused, nothing written
      }
      RefreshGrantChanged state = folded.state();
      if (state.getStatus() != RefreshGrantStatus.ACTIVE) {
        return; // the grant was revoked: refused
      }
      List<String> hashes = state.getTokenHashes();
      if (!presented.equals(hashes.get(hashes.size() - 1))) {
        // Reuse seen locally: the grant is revoked at once.
        long offset =
            append(
                RefreshGrantChanged.newBuilder(state)
                    .setEventId(newToken())
                    .setStatus(RefreshGrantStatus.REVOKED)
                    .setChangedBy(instance.id)
                    .build());
        readTo(instance, offset + 1);
        return;
      }
      String next = newToken();
      List<String> rotated = new ArrayList<>(hashes);
      rotated.add(next);
      String eventId = newToken();
      long offset =
          append(
              RefreshGrantChanged.newBuilder(state)
                  .setEventId(eventId)
                  .setGeneration(state.getGeneration() + 1)
                  .setTokenHashes(rotated)
                  .setChangedBy(instance.id)
                  .build());
      instance.pending.add(new Pending(grantId, eventId, offset, presented, next));
    }

    private void readBack(Instance instance) {
      Pending pending = instance.pending.poll();
      if (pending == null) {
        return;
      }
      readTo(instance, pending.offset() + 1);
      GrantFold.Step step = instance.verdicts.get(pending.eventId());
      assertThat(step).as("the instance folded its own record").isNotNull();
      if (step.verdict() == GrantFold.Verdict.ROTATED) {
        String grantId = step.folded().state().getGrantId();
        handedOut.get(grantId).add(pending.newToken());
        handoutsPerPresented.merge(pending.presented(), 1, Integer::sum);
        handouts++;
      } else {
        assertThat(step.verdict()).isEqualTo(GrantFold.Verdict.LOST);
        seal(instance, step.folded().state());
      }
    }

    private void seal(Instance instance, RefreshGrantChanged folded) {
      long offset =
          append(
              RefreshGrantChanged.newBuilder(folded)
                  .setEventId(newToken())
                  .setStatus(RefreshGrantStatus.REVOKED)
                  .setChangedBy(instance.id)
                  .build());
      readTo(instance, offset + 1);
    }

    private void sealUnsealed(Instance instance) {
      for (GrantFold.Folded folded : List.copyOf(instance.view.values())) {
        if (!folded.sealed()) {
          seal(instance, folded.state());
        }
      }
    }

    /** Kafka's cleaner: below {@code cleanTo}, a record goes when a later one has its key. */
    private void compact(long cleanTo) {
      Map<String, Long> lastBelow = new HashMap<>();
      for (Entry entry : log) {
        if (entry.offset() < cleanTo) {
          lastBelow.put(entry.record().getGrantId(), entry.offset());
        }
      }
      log.removeIf(
          entry ->
              entry.offset() < cleanTo
                  && entry.offset() < lastBelow.get(entry.record().getGrantId()));
      for (Instance instance : instances) {
        if (instance.position < cleanTo) {
          instance.complete = false;
        }
      }
    }

    /** A reader that starts now, on the log as compaction left it. */
    Map<String, Folded> lateReader() {
      Map<String, GrantFold.Folded> view = new HashMap<>();
      for (Entry entry : log) {
        String grantId = entry.record().getGrantId();
        view.put(grantId, GrantFold.fold(view.get(grantId), entry.record()).folded());
      }
      Map<String, Folded> result = new HashMap<>();
      view.forEach((grant, folded) -> result.put(grant, Folded.of(folded)));
      return result;
    }

    /** Every instance answers what it has pending, then one seals what is left unsealed. */
    void settle() {
      for (Instance instance : instances) {
        while (!instance.pending.isEmpty()) {
          readBack(instance);
        }
      }
      for (Instance instance : instances) {
        readTo(instance, nextOffset);
        sealUnsealed(instance);
      }
      for (Instance instance : instances) {
        readTo(instance, nextOffset);
      }
    }

    void checkInvariants() {
      // A token is rotated at most once: one presentation of it hands out a successor.
      assertThat(handoutsPerPresented.values()).allMatch(count -> count == 1);
      // Every token handed out was the model's winner when it was handed out: it is either still
      // the model's current token or one the model spent by a later rotation.
      for (String grantId : GRANTS) {
        ModelGrant grant = model.get(grantId);
        for (String token : handedOut.get(grantId)) {
          assertThat(token.equals(grant.current) || grant.spent.contains(token))
              .as("handed-out %s is the model's current or spent token", token)
              .isTrue();
        }
      }
      // No reader accepts a token the model has spent, nor an ACTIVE grant the model revoked
      // with a token anyone holds.
      List<Map<String, Folded>> readers = new ArrayList<>();
      for (Instance instance : instances) {
        if (instance.position < nextOffset) {
          continue; // it has not read the records the model has
        }
        Map<String, Folded> view = new HashMap<>();
        instance.view.forEach((grant, folded) -> view.put(grant, Folded.of(folded)));
        readers.add(view);
      }
      readers.add(lateReader());
      for (Map<String, Folded> reader : readers) {
        reader.forEach(
            (grantId, folded) -> {
              if (folded.state().getStatus() == RefreshGrantStatus.ACTIVE) {
                String current = current(folded);
                assertThat(model.get(grantId).spent).doesNotContain(current);
                if (model.get(grantId).revoked) {
                  assertThat(handedOut.get(grantId))
                      .as("a revoked grant read ACTIVE accepts no token anyone holds")
                      .doesNotContain(current);
                }
              }
            });
      }
      // Readers of the whole log agree with the model on what they have read: an instance that
      // has read everything is the model.
      for (Instance instance : instances) {
        if (instance.position >= nextOffset && instance.complete) {
          agree(instance.view);
        }
      }
    }

    void checkSettled() {
      Map<String, GrantFold.Folded> late = new HashMap<>();
      lateReader()
          .forEach(
              (grant, folded) ->
                  late.put(grant, new GrantFold.Folded(folded.state(), folded.sealed())));
      agree(late);
      assertThat(late.values()).allMatch(GrantFold.Folded::sealed);
    }

    private void agree(Map<String, GrantFold.Folded> view) {
      for (String grantId : GRANTS) {
        ModelGrant grant = model.get(grantId);
        GrantFold.Folded folded = view.get(grantId);
        assertThat(folded).isNotNull();
        assertThat(folded.state().getStatus() == RefreshGrantStatus.ACTIVE)
            .as("%s active", grantId)
            .isEqualTo(!grant.revoked);
        if (!grant.revoked) {
          assertThat(current(Folded.of(folded))).isEqualTo(grant.current);
        }
      }
    }
  }
}
