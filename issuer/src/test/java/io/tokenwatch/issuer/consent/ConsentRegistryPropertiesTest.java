package io.tokenwatch.issuer.consent;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.events.ConsentGranted;
import io.tokenwatch.events.ConsentWithdrawalReason;
import io.tokenwatch.events.ConsentWithdrawn;
import io.tokenwatch.events.PolicyRef;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The consents in force after reading both topics, in any interleaving, are those of a plain model:
 * granted, not withdrawn, not expired.
 */
class ConsentRegistryPropertiesTest {

  static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");

  record Given(String id, boolean withdrawn, boolean expired) {}

  @Property(tries = 300)
  void shouldKeepExactlyTheGrantedUnwithdrawnUnexpiredConsentsWhateverTheReadingOrder(
      @ForAll("consents") List<Given> consents, @ForAll long seed) {
    List<Object> events = new ArrayList<>();
    Set<String> model = new HashSet<>();
    for (Given given : consents) {
      events.add(granted(given.id(), given.expired()));
      if (given.withdrawn()) {
        events.add(withdrawn(given.id()));
      }
      if (!given.withdrawn() && !given.expired()) {
        model.add(given.id());
      }
    }
    Collections.shuffle(events, new Random(seed));
    ConsentRegistry registry = new ConsentRegistry();
    for (Object event : events) {
      if (event instanceof ConsentGranted g) {
        registry.apply(g);
      } else {
        registry.apply((ConsentWithdrawn) event);
      }
    }

    assertThat(registry.activeFor("alice", NOW))
        .extracting(Consent::id)
        .containsExactlyInAnyOrderElementsOf(model);
    for (Given given : consents) {
      assertThat(registry.active(given.id(), NOW).isPresent())
          .isEqualTo(model.contains(given.id()));
    }
  }

  @Provide
  Arbitrary<List<Given>> consents() {
    return Arbitraries.integers()
        .between(0, 30)
        .flatMap(
            n ->
                net.jqwik.api.Combinators.combine(
                        Arbitraries.of(true, false).list().ofSize(n),
                        Arbitraries.of(true, false).list().ofSize(n))
                    .as(
                        (withdrawn, expired) -> {
                          List<Given> list = new ArrayList<>();
                          for (int i = 0; i < n; i++) {
                            list.add(new Given("cns-" + i, withdrawn.get(i), expired.get(i)));
                          }
                          return list;
                        }));
  }

  static ConsentGranted granted(String id, boolean expired) {
    Instant at = NOW.minusSeconds(3600);
    return ConsentGranted.newBuilder()
        .setEventId("e-" + id)
        .setOccurredAt(at)
        .setConsentId(id)
        .setUser("alice")
        .setLogin("local")
        .setClientId("orders-assistant")
        .setAudience("https://orders.example.com")
        .setRequestedScopes(List.of("orders:read"))
        .setGrantedScopes(List.of("orders:read"))
        .setPurpose("p")
        .setExpiresAt(expired ? NOW : NOW.plusSeconds(60))
        .setRedirectUri("http://127.0.0.1:8765/callback")
        .setPolicy(PolicyRef.newBuilder().setPolicyId("p").setPolicyVersion("v").build())
        .setRuleId("r")
        .build();
  }

  static ConsentWithdrawn withdrawn(String id) {
    return ConsentWithdrawn.newBuilder()
        .setEventId("w-" + id)
        .setOccurredAt(NOW.minusSeconds(10))
        .setConsentId(id)
        .setUser("alice")
        .setClientId("orders-assistant")
        .setWithdrawnBy("alice")
        .setReason(ConsentWithdrawalReason.USER_WITHDREW)
        .setRevocationSelector("grant:" + id)
        .setDetail(null)
        .build();
  }
}
