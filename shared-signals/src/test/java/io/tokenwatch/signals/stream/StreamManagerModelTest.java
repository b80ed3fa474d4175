package io.tokenwatch.signals.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.signals.EndpointRules;
import io.tokenwatch.signals.InMemoryStreamRegistry;
import io.tokenwatch.signals.SignalStream;
import io.tokenwatch.signals.SubjectId;
import io.tokenwatch.testing.fixtures.MutableClock;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Stream management against a plain model of who owns which stream and which subjects it holds:
 * random requests by three receivers, some naming streams of the others, some beyond the limits.
 * Whatever the sequence, each receiver sees exactly its own streams, never reaches another's, and
 * no limit is exceeded.
 */
class StreamManagerModelTest {

  private static final List<String> RECEIVERS = List.of("r-a", "r-b", "r-c");
  private static final int MAX_STREAMS = 2;
  private static final int MAX_SUBJECTS = 2;

  enum Kind {
    CREATE,
    DELETE,
    ADD_SUBJECT,
    REMOVE_SUBJECT,
    DESCRIBE,
    READ
  }

  record Op(Kind kind, int receiver, int stream, int subject) {}

  @Provide
  Arbitrary<List<Op>> operations() {
    return Combinators.combine(
            Arbitraries.of(Kind.class),
            Arbitraries.integers().between(0, 2),
            Arbitraries.integers().between(0, 7),
            Arbitraries.integers().between(0, 3))
        .as(Op::new)
        .list()
        .ofMinSize(1)
        .ofMaxSize(60);
  }

  @Property(tries = 200)
  void shouldKeepEveryReceiverToItsOwnStreamsAndWithinTheLimits(
      @ForAll("operations") List<Op> operations) throws Exception {
    // A registry that is a plain map, so only the manager's rules are under test here.
    InMemoryStreamRegistry registry = new InMemoryStreamRegistry();
    AtomicInteger ids = new AtomicInteger();
    InetAddress publicAddress =
        InetAddress.getByAddress(new byte[] {93, (byte) 184, (byte) 216, 34});
    StreamManager manager =
        new StreamManager(
            registry,
            (stream, event) -> {},
            new EndpointRules(true, false, host -> List.of(publicAddress)),
            new StreamLimits(DefaultSubjects.ALL, MAX_STREAMS, MAX_SUBJECTS, Duration.ZERO),
            "https://issuer.test",
            id -> URI.create("https://ssf.test/ssf/poll/" + id),
            () -> "id-" + ids.incrementAndGet(),
            new MutableClock(Instant.parse("2026-01-01T00:00:00Z")));

    Map<String, String> owners = new HashMap<>();
    Map<String, Set<String>> subjects = new HashMap<>();
    List<String> known = new ArrayList<>();
    for (Op op : operations) {
      String receiver = RECEIVERS.get(op.receiver());
      String streamId = known.isEmpty() ? "id-none" : known.get(op.stream() % known.size());
      boolean owns = receiver.equals(owners.get(streamId));
      String subject = "tok-" + op.subject();
      Map<String, Object> subjectBody =
          Map.of("stream_id", streamId, "subject", new SubjectId.Opaque(subject).toJson());
      switch (op.kind()) {
        case CREATE -> {
          StreamResult result =
              manager.create(
                  receiver,
                  Map.of(
                      "delivery",
                      Map.of(
                          "method",
                          "urn:ietf:rfc:8935",
                          "endpoint_url",
                          "https://receiver.example.com/" + op.stream())));
          long ownedBefore = owners.values().stream().filter(receiver::equals).count();
          if (ownedBefore < MAX_STREAMS) {
            assertThat(result).isInstanceOf(StreamResult.Done.class);
            String id = ((StreamResult.Done) result).stream().streamId();
            owners.put(id, receiver);
            subjects.put(id, new HashSet<>());
            known.add(id);
          } else {
            assertRefused(result, StreamResult.Reason.TOO_MANY_STREAMS);
          }
        }
        case DELETE -> {
          StreamResult result = manager.delete(receiver, streamId);
          if (owns) {
            assertThat(result).isInstanceOf(StreamResult.Done.class);
            owners.remove(streamId);
            subjects.remove(streamId);
          } else {
            assertRefused(result, StreamResult.Reason.NOT_FOUND);
          }
        }
        case ADD_SUBJECT -> {
          StreamResult result = manager.addSubject(receiver, subjectBody);
          if (!owns) {
            assertRefused(result, StreamResult.Reason.NOT_FOUND);
          } else if (subjects.get(streamId).contains(subject)
              || subjects.get(streamId).size() < MAX_SUBJECTS) {
            assertThat(result).isInstanceOf(StreamResult.Done.class);
            subjects.get(streamId).add(subject);
          } else {
            assertRefused(result, StreamResult.Reason.TOO_MANY_SUBJECTS);
          }
        }
        case REMOVE_SUBJECT -> {
          StreamResult result = manager.removeSubject(receiver, subjectBody);
          if (owns && subjects.get(streamId).remove(subject)) {
            assertThat(result).isInstanceOf(StreamResult.Done.class);
          } else {
            assertRefused(result, StreamResult.Reason.NOT_FOUND);
          }
        }
        case DESCRIBE -> {
          StreamResult result =
              manager.update(receiver, Map.of("stream_id", streamId, "description", receiver));
          if (owns) {
            assertThat(result).isInstanceOf(StreamResult.Done.class);
          } else {
            assertRefused(result, StreamResult.Reason.NOT_FOUND);
          }
        }
        case READ -> {
          StreamResult result = manager.get(receiver, streamId);
          if (owns) {
            assertThat(((StreamResult.Done) result).stream().receiver()).isEqualTo(receiver);
          } else {
            assertRefused(result, StreamResult.Reason.NOT_FOUND);
          }
        }
      }
      for (String someone : RECEIVERS) {
        assertThat(manager.list(someone).stream().map(SignalStream::streamId).toList())
            .containsExactlyInAnyOrderElementsOf(
                owners.entrySet().stream()
                    .filter(entry -> entry.getValue().equals(someone))
                    .map(Map.Entry::getKey)
                    .toList());
      }
      assertThat(registry.all().stream().map(SignalStream::streamId).collect(Collectors.toSet()))
          .isEqualTo(owners.keySet());
      for (SignalStream stream : registry.all()) {
        assertThat(stream.receiver()).isEqualTo(owners.get(stream.streamId()));
        assertThat(stream.description()).isIn("", stream.receiver());
        assertThat(
                stream.subjects().stream()
                    .map(s -> ((SubjectId.Opaque) s).id())
                    .collect(Collectors.toSet()))
            .isEqualTo(subjects.get(stream.streamId()));
      }
    }
  }

  private static void assertRefused(StreamResult result, StreamResult.Reason reason) {
    assertThat(result).isInstanceOf(StreamResult.Refused.class);
    assertThat(((StreamResult.Refused) result).reason()).isEqualTo(reason);
  }
}
