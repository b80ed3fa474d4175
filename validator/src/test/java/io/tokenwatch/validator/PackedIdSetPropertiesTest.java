package io.tokenwatch.validator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The packed table behaves like a {@link HashSet} of ids under any sequence of adds and removes,
 * with the table sized up front at any point.
 */
class PackedIdSetPropertiesTest {

  record Op(boolean add, int id) {}

  @Provide
  Arbitrary<List<Op>> operations() {
    // A small id space makes collisions, re-adds and removes of present ids frequent.
    Arbitrary<Op> op =
        Combinators.combine(
                Arbitraries.of(true, true, false), Arbitraries.integers().between(0, 300))
            .as(Op::new);
    return op.list().ofMaxSize(2000);
  }

  private static UUID uuid(int id) {
    // Spread ids over the whole 128 bits, including the nil UUID for id 0.
    long hi = id == 0 ? 0 : id * 0x9E3779B97F4A7C15L;
    long lo = id == 0 ? 0 : ~id * 0xC2B2AE3D27D4EB4FL;
    return new UUID(hi, lo);
  }

  @Property(tries = 200)
  void shouldMatchAHashSetModel(@ForAll("operations") List<Op> ops) {
    PackedIdSet set = new PackedIdSet();
    Set<UUID> model = new HashSet<>();
    for (Op op : ops) {
      UUID u = uuid(op.id());
      if (op.add()) {
        assertThat(set.add(u.getMostSignificantBits(), u.getLeastSignificantBits()))
            .isEqualTo(model.add(u));
      } else {
        assertThat(set.remove(u.getMostSignificantBits(), u.getLeastSignificantBits()))
            .isEqualTo(model.remove(u));
      }
    }
    assertThat(set.size()).isEqualTo(model.size());
    for (int id = 0; id <= 300; id++) {
      UUID u = uuid(id);
      assertThat(set.contains(u.getMostSignificantBits(), u.getLeastSignificantBits()))
          .as("id %d", id)
          .isEqualTo(model.contains(u));
    }
  }

  /** An add, a remove, or a reserve for {@code id * 3} ids (growing, or smaller than held). */
  record Step(int kind, int id) {}

  @Provide
  Arbitrary<List<Step>> stepsWithReserves() {
    Arbitrary<Step> step =
        Combinators.combine(Arbitraries.of(0, 0, 1, 2), Arbitraries.integers().between(0, 300))
            .as(Step::new);
    return step.list().ofMaxSize(2000);
  }

  @Property(tries = 100)
  void shouldMatchAHashSetModelWhateverIsReservedWhen(
      @ForAll("stepsWithReserves") List<Step> steps) {
    PackedIdSet set = new PackedIdSet();
    Set<UUID> model = new HashSet<>();
    for (Step step : steps) {
      UUID u = uuid(step.id());
      switch (step.kind()) {
        case 0 ->
            assertThat(set.add(u.getMostSignificantBits(), u.getLeastSignificantBits()))
                .isEqualTo(model.add(u));
        case 1 ->
            assertThat(set.remove(u.getMostSignificantBits(), u.getLeastSignificantBits()))
                .isEqualTo(model.remove(u));
        default -> set.reserve(step.id() * 3);
      }
    }
    assertThat(set.size()).isEqualTo(model.size());
    for (int id = 0; id <= 300; id++) {
      UUID u = uuid(id);
      assertThat(set.contains(u.getMostSignificantBits(), u.getLeastSignificantBits()))
          .as("id %d", id)
          .isEqualTo(model.contains(u));
    }
  }

  @Property(tries = 100)
  void shouldMatchAModelThroughTheIndexForUuidAndOtherIds(@ForAll("operations") List<Op> ops) {
    RevocationIndex index = new RevocationIndex();
    Set<String> model = new HashSet<>();
    for (Op op : ops) {
      String jti = op.id() % 7 == 0 ? "legacy-" + op.id() : uuid(op.id()).toString();
      if (op.add()) {
        index.put("token:" + jti, null);
        model.add(jti);
      } else {
        index.remove("token:" + jti);
        model.remove(jti);
      }
    }
    assertThat(index.tokenIdCount()).isEqualTo(model.size());
    for (int id = 0; id <= 300; id++) {
      String jti = id % 7 == 0 ? "legacy-" + id : uuid(id).toString();
      assertThat(index.containsTokenId(jti)).isEqualTo(model.contains(jti));
    }
  }

  @Property(tries = 20)
  void shouldRoundTripCanonicalUuids(@ForAll("uuids") UUID u) {
    String s = u.toString();
    assertThat(TokenIds.isCanonicalUuid(s)).isTrue();
    assertThat(TokenIds.high(s)).isEqualTo(u.getMostSignificantBits());
    assertThat(TokenIds.low(s)).isEqualTo(u.getLeastSignificantBits());
    assertThat(TokenIds.isCanonicalUuid(s.toUpperCase(java.util.Locale.ROOT)))
        .isEqualTo(s.equals(s.toUpperCase(java.util.Locale.ROOT)));
  }

  @Provide
  Arbitrary<UUID> uuids() {
    return Arbitraries.longs().tuple2().map(t -> new UUID(t.get1(), t.get2()));
  }
}
