package io.tokenwatch.signals.receiver;

import static io.tokenwatch.signals.receiver.UpstreamSets.ISSUER;
import static io.tokenwatch.signals.receiver.UpstreamSets.claims;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** The receiver's replay handling, durable hand-off and dead letters. */
class SignalReceiverTest {

  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  private static final UpstreamSets UPSTREAM = new UpstreamSets();
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  private final RecordingSink sink = new RecordingSink();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final ReceiverMetrics metrics = new ReceiverMetrics(meters);
  private final SetVerifier verifier = UPSTREAM.verifier(CLOCK);
  private SignalReceiver receiver = newReceiver();

  private SignalReceiver newReceiver() {
    return new SignalReceiver(verifier, new SeenSets(1000, CLOCK), sink, metrics, CLOCK);
  }

  private static byte[] bytes(String set) {
    return set.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void shouldAcknowledgeTheVerySameSetAgainWithoutASecondRequest() {
    byte[] set = bytes(UPSTREAM.sign(claims("alice", NOW)));

    assertThat(receiver.receive(set, "push")).isInstanceOf(Verdict.Accepted.class);
    Verdict again = receiver.receive(set, "push");

    assertThat(again).isInstanceOf(Verdict.Duplicate.class);
    assertThat(again.acknowledged()).isTrue();
    assertThat(sink.orders).hasSize(1);
    assertThat(metrics.total("push", "duplicate", "none")).isEqualTo(1);
  }

  @Test
  void shouldRefuseAReplayedJtiWithDifferentContent() {
    Map<String, Object> first = claims("alice", NOW);
    Map<String, Object> second = claims("bob", NOW);
    second.put("jti", first.get("jti"));
    receiver.receive(bytes(UPSTREAM.sign(first)), "poll");

    Verdict verdict = receiver.receive(bytes(UPSTREAM.sign(second)), "poll");

    assertThat(verdict).isInstanceOf(Verdict.Refused.class);
    assertThat(((Verdict.Refused) verdict).reason()).isEqualTo(RefusalReason.REPLAYED_JTI);
    assertThat(((Verdict.Refused) verdict).reason().err()).isEqualTo("invalid_request");
    assertThat(sink.orders).extracting(RevocationOrder::subject).containsExactly("alice");
    assertThat(sink.deadLetters)
        .extracting(Verdict.Refused::reason)
        .containsExactly(RefusalReason.REPLAYED_JTI);
    assertThat(metrics.total("poll", "refused", "replayed_jti")).isEqualTo(1);
  }

  @Test
  void shouldActOnASetAgainWhenItsRequestCouldNotBeWritten() {
    byte[] set = bytes(UPSTREAM.sign(claims("alice", NOW)));
    sink.down = true;
    assertThatThrownBy(() -> receiver.receive(set, "push"))
        .isInstanceOf(SignalSink.SinkUnavailableException.class);
    sink.down = false;

    assertThat(receiver.receive(set, "push")).isInstanceOf(Verdict.Accepted.class);
    assertThat(sink.orders).hasSize(1);
  }

  @Test
  void shouldDeadLetterEveryRefusedSetWithItsReason() {
    Map<String, Object> claims = claims("alice", NOW);
    claims.put("aud", "someone-else");
    Verdict verdict = receiver.receive(bytes(UPSTREAM.sign(claims)), "push");

    assertThat(verdict.acknowledged()).isFalse();
    assertThat(sink.deadLetters)
        .singleElement()
        .satisfies(
            refused -> {
              assertThat(refused.reason()).isEqualTo(RefusalReason.WRONG_AUDIENCE);
              assertThat(refused.jti()).isEqualTo(claims.get("jti"));
              assertThat(refused.issuer()).isEqualTo(ISSUER);
            });
    assertThat(sink.orders).isEmpty();
  }

  /**
   * Model: a map from jti to the subject of the good SETs sent. Whatever the order of new SETs,
   * resends, forged SETs, reused jtis, outages and restarts (which forget the replay cache), the
   * requests written are exactly one distinct event id per good SET, each for its subject, and
   * every forged SET is dead-lettered and never revokes.
   */
  @Property(tries = 60)
  void shouldRevokeExactlyForTheGoodSets(
      @ForAll @Size(min = 1, max = 40) List<@IntRange(min = 0, max = 5) Integer> operations,
      @ForAll @Size(min = 40, max = 40) List<@IntRange(min = 0, max = 1000) Integer> picks) {
    sink.orders.clear();
    sink.deadLetters.clear();
    receiver = newReceiver();
    Map<String, String> model = new HashMap<>();
    List<Map.Entry<String, byte[]>> sentGood = new ArrayList<>();
    Map<String, byte[]> remembered = new HashMap<>();
    int forged = 0;
    for (int i = 0; i < operations.size(); i++) {
      int pick = picks.get(i);
      switch (operations.get(i)) {
        case 0 -> {
          Map<String, Object> claims = claims("user-" + pick % 7, NOW.minusSeconds(pick % 600));
          byte[] set = bytes(UPSTREAM.sign(claims));
          assertThat(receiver.receive(set, "poll")).isInstanceOf(Verdict.Accepted.class);
          model.put((String) claims.get("jti"), "user-" + pick % 7);
          remembered.put((String) claims.get("jti"), set);
          sentGood.add(Map.entry((String) claims.get("jti"), set));
        }
        case 1 -> {
          if (!sentGood.isEmpty()) {
            Map.Entry<String, byte[]> sent = sentGood.get(pick % sentGood.size());
            byte[] known = remembered.get(sent.getKey());
            Verdict verdict = receiver.receive(sent.getValue(), "poll");
            if (known != null && !java.util.Arrays.equals(known, sent.getValue())) {
              // after a restart the upstream reused this jti for another SET, which won
              assertThat(verdict).isInstanceOf(Verdict.Refused.class);
              forged++;
            } else {
              assertThat(verdict.acknowledged()).isTrue();
              remembered.put(sent.getKey(), sent.getValue());
            }
          }
        }
        case 2 -> {
          receiver.receive(
              bytes(UpstreamSets.signWithForeignKey(claims("victim-" + pick, NOW), "ec-1")),
              "poll");
          forged++;
        }
        case 3 -> {
          if (!model.isEmpty()) {
            String jti = new ArrayList<>(model.keySet()).get(pick % model.size());
            Map<String, Object> claims = claims("victim-" + pick, NOW);
            claims.put("jti", jti);
            byte[] set = bytes(UPSTREAM.sign(claims));
            Verdict verdict = receiver.receive(set, "poll");
            if (remembered.containsKey(jti)) {
              assertThat(verdict).isInstanceOf(Verdict.Refused.class);
              forged++;
            } else {
              // A restart forgot the jti: the new SET is as good as any the upstream signs.
              assertThat(verdict).isInstanceOf(Verdict.Accepted.class);
              // keyed by the operation: the same claims signed again after another restart are
              // another SET (ECDSA signatures differ), written as another request
              model.put(jti + "#" + i, "victim-" + pick);
              remembered.put(jti, set);
            }
          }
        }
        case 4 -> {
          sink.down = true;
          try {
            receiver.receive(bytes(UPSTREAM.sign(claims("lost-" + pick, NOW))), "poll");
          } catch (SignalSink.SinkUnavailableException expected) {
            // the upstream keeps it and sends it again later
          }
          sink.down = false;
        }
        default -> {
          receiver = newReceiver();
          remembered.clear();
        }
      }
    }
    Map<String, String> written = new HashMap<>();
    for (RevocationOrder order : sink.orders) {
      String previous = written.put(order.eventId(), order.subject());
      assertThat(previous).as("same event id, same request").isIn(null, order.subject());
    }
    assertThat(written).hasSize(model.size());
    assertThat(Set.copyOf(written.values())).isEqualTo(Set.copyOf(model.values()));
    assertThat(written.values()).noneMatch(subject -> subject.startsWith("lost-"));
    assertThat(sink.deadLetters).hasSize(forged);
  }
}
