package io.tokenwatch.signals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.RevocationSelector;
import io.tokenwatch.events.SelectorKind;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * Which streams get which events for a revocation, checked against a plain model: a table from
 * selector kind and reason to event types, and each subject as the set of "KIND:value" selectors it
 * covers.
 */
class RevocationSignalsPropertyTest {

  private static final String ISSUER = "https://issuer.example";
  private static final List<String> VALUES = List.of("alice@example.com", "t1", "g1", "c1");
  private static final List<SelectorKind> KINDS =
      List.of(
          SelectorKind.TOKEN,
          SelectorKind.GRANT,
          SelectorKind.LINEAGE,
          SelectorKind.SUBJECT,
          SelectorKind.CLIENT,
          SelectorKind.AUDIENCE);

  @Property(tries = 400)
  void shouldSendExactlyTheEventsTheModelSays(
      @ForAll("revocations") Revocation revocation,
      @ForAll("streams") SignalStream stream,
      @ForAll boolean allSubjects) {
    List<SecurityEvent> events =
        new RevocationSignals(ISSUER, allSubjects).eventsFor(revocation, stream);

    List<EventType> expected = new ArrayList<>();
    boolean concerned =
        allSubjects
            || stream.subjects().stream()
                .anyMatch(subject -> covers(subject).contains(key(revocation)));
    if (stream.status() != StreamStatus.DISABLED && concerned) {
      for (EventType type : modelTypes(revocation)) {
        if (stream.eventsRequested().contains(type)) {
          expected.add(type);
        }
      }
    }
    assertThat(events).extracting(SecurityEvent::type).containsExactlyElementsOf(expected);
    Instant watermark = revocation.getSelector().getIssuedBefore();
    for (SecurityEvent event : events) {
      assertThat(event.subject().toJson()).isEqualTo(modelSubject(revocation));
      assertThat(event.eventTimestamp())
          .isEqualTo(watermark != null ? watermark : revocation.getOccurredAt());
      assertThat(event.txn()).isEqualTo(revocation.getEventId());
      Map<String, Object> selector = new HashMap<>();
      selector.put("kind", revocation.getSelector().getKind().name().toLowerCase(Locale.ROOT));
      selector.put("value", revocation.getSelector().getValue());
      if (watermark != null) {
        selector.put("issued_before_ms", watermark.toEpochMilli());
      }
      assertThat(event.members()).containsEntry("tokenwatch_selector", selector);
      if (event.type() != EventType.ACCOUNT_DISABLED) {
        assertThat(event.members()).containsKey("initiating_entity");
        assertThat(event.members().containsKey("reason_admin"))
            .isEqualTo(revocation.getDetail() != null);
      }
    }
    assertThat(events).extracting(SecurityEvent::jti).doesNotHaveDuplicates();
  }

  @Property(tries = 200)
  void shouldGiveTheSameJtiToTheFastPathAndFeedCopiesOfARevocation(
      @ForAll("revocations") Revocation revocation, @ForAll("streams") SignalStream stream) {
    Revocation copy =
        Revocation.newBuilder(revocation)
            .setEventId("other-" + revocation.getEventId())
            .setOccurredAt(revocation.getOccurredAt().plusMillis(5))
            .setDetail(null)
            .build();
    RevocationSignals signals = new RevocationSignals(ISSUER, true);

    assertThat(signals.eventsFor(copy, stream))
        .extracting(SecurityEvent::jti)
        .containsExactlyElementsOf(
            signals.eventsFor(revocation, stream).stream().map(SecurityEvent::jti).toList());
  }

  @Property(tries = 200)
  void shouldGiveDifferentStreamsAndWatermarksDifferentJtis(
      @ForAll("revocations") Revocation revocation, @ForAll("streams") SignalStream stream) {
    RevocationSignals signals = new RevocationSignals(ISSUER, true);
    SignalStream other = withId(stream, stream.streamId() + "-2");
    Revocation later =
        Revocation.newBuilder(revocation)
            .setSelector(
                RevocationSelector.newBuilder(revocation.getSelector())
                    .setIssuedBefore(Instant.parse("2031-01-01T00:00:00Z"))
                    .build())
            .build();
    Set<String> jtis = new HashSet<>();
    int count = 0;
    for (List<SecurityEvent> events :
        List.of(signals.eventsFor(revocation, stream), signals.eventsFor(revocation, other))) {
      for (SecurityEvent event : events) {
        jtis.add(event.jti());
        count++;
      }
    }
    assertThat(jtis).hasSize(count);
    if (revocation.getSelector().getIssuedBefore() == null && !jtis.isEmpty()) {
      assertThat(signals.eventsFor(later, stream))
          .extracting(SecurityEvent::jti)
          .doesNotContainAnyElementsOf(jtis);
    }
  }

  @Test
  void shouldMatchAnEmailSubjectWhoseDomainDiffersOnlyInCase() {
    SignalStream stream =
        stream(
            "s",
            StreamStatus.ENABLED,
            Set.of(EventType.SESSION_REVOKED),
            Set.of(new SubjectId.Email("Alice@Example.COM")));
    Revocation revocation =
        revocation(SelectorKind.SUBJECT, "Alice@example.com", RevocationReason.ADMIN, null, null);
    assertThat(new RevocationSignals(ISSUER, false).eventsFor(revocation, stream)).hasSize(1);
    Revocation otherLocal =
        revocation(SelectorKind.SUBJECT, "alice@example.com", RevocationReason.ADMIN, null, null);
    assertThat(new RevocationSignals(ISSUER, false).eventsFor(otherLocal, stream)).isEmpty();
  }

  @Test
  void shouldRefuseARevocationOfAnUnknownSelectorKind() {
    SignalStream stream =
        stream("s", StreamStatus.ENABLED, EnumSet.allOf(EventType.class), Set.of());
    Revocation revocation =
        revocation(SelectorKind.UNKNOWN, "x", RevocationReason.ADMIN, null, null);
    assertThatThrownBy(() -> new RevocationSignals(ISSUER, true).eventsFor(revocation, stream))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("UNKNOWN");
  }

  // ---- the model ----

  private static String key(Revocation revocation) {
    return revocation.getSelector().getKind() + ":" + revocation.getSelector().getValue();
  }

  private static List<EventType> modelTypes(Revocation revocation) {
    Map<SelectorKind, List<EventType>> table = new HashMap<>();
    table.put(SelectorKind.TOKEN, List.of(EventType.SESSION_REVOKED));
    table.put(SelectorKind.GRANT, List.of(EventType.SESSION_REVOKED));
    table.put(SelectorKind.LINEAGE, List.of(EventType.SESSION_REVOKED));
    table.put(SelectorKind.AUDIENCE, List.of(EventType.SESSION_REVOKED));
    table.put(SelectorKind.CLIENT, List.of(EventType.ACCOUNT_DISABLED));
    table.put(
        SelectorKind.SUBJECT,
        revocation.getReason() == RevocationReason.COMPROMISED
            ? List.of(EventType.SESSION_REVOKED, EventType.CREDENTIAL_CHANGE)
            : List.of(EventType.SESSION_REVOKED));
    return table.get(revocation.getSelector().getKind());
  }

  private static Map<String, Object> modelSubject(Revocation revocation) {
    String value = revocation.getSelector().getValue();
    String member =
        switch (revocation.getSelector().getKind()) {
          case SUBJECT -> null;
          case TOKEN -> "token";
          case GRANT, LINEAGE -> "session";
          case CLIENT -> "application";
          case AUDIENCE -> "audience";
          case UNKNOWN -> throw new AssertionError();
        };
    if (member == null) {
      return Map.of("format", "iss_sub", "iss", ISSUER, "sub", value);
    }
    return Map.of("format", "complex", member, Map.of("format", "opaque", "id", value));
  }

  /** The selectors a stream subject covers, as "KIND:value". */
  private static Set<String> covers(SubjectId subject) {
    Set<String> keys = new HashSet<>();
    if (subject instanceof SubjectId.IssSub issSub) {
      if (issSub.iss().equals(ISSUER)) {
        keys.add("SUBJECT:" + issSub.sub());
      }
    } else if (subject instanceof SubjectId.Email email) {
      keys.add("SUBJECT:" + email.email());
    } else if (subject instanceof SubjectId.Opaque opaque) {
      for (String kind : List.of("TOKEN", "GRANT", "LINEAGE", "CLIENT")) {
        keys.add(kind + ":" + opaque.id());
      }
    } else {
      SubjectId.Complex complex = (SubjectId.Complex) subject;
      Set<String> all = null;
      for (Map.Entry<String, SubjectId> member : complex.members().entrySet()) {
        Set<String> memberKeys = new HashSet<>();
        Set<String> simple = covers(member.getValue());
        if (member.getValue() instanceof SubjectId.Opaque opaque) {
          simple.add("AUDIENCE:" + opaque.id());
        }
        for (String key : simple) {
          String kind = key.substring(0, key.indexOf(':'));
          boolean fits =
              switch (member.getKey()) {
                case "user" -> kind.equals("SUBJECT");
                case "token" -> kind.equals("TOKEN");
                case "session" -> kind.equals("GRANT") || kind.equals("LINEAGE");
                case "application" -> kind.equals("CLIENT");
                case "audience" -> kind.equals("AUDIENCE");
                default -> false;
              };
          if (fits) {
            memberKeys.add(key);
          }
        }
        if (all == null) {
          all = memberKeys;
        } else {
          all.retainAll(memberKeys);
        }
      }
      keys.addAll(all == null ? Set.of() : all);
    }
    return keys;
  }

  // ---- generators ----

  @Provide
  Arbitrary<Revocation> revocations() {
    return Combinators.combine(
            Arbitraries.of(KINDS),
            Arbitraries.of(VALUES),
            Arbitraries.of(RevocationReason.class),
            Arbitraries.longs().between(1_900_000_000_000L, 1_950_000_000_000L).injectNull(0.5),
            Arbitraries.of("revoked by the security team", "").injectNull(0.5))
        .as(
            (kind, value, reason, watermark, detail) ->
                revocation(
                    kind,
                    value,
                    reason,
                    watermark == null ? null : Instant.ofEpochMilli(watermark),
                    detail == null || detail.isEmpty() ? null : detail));
  }

  @Provide
  Arbitrary<SignalStream> streams() {
    Arbitrary<SubjectId> simple =
        Arbitraries.oneOf(
            Arbitraries.of(VALUES).map(v -> new SubjectId.IssSub(ISSUER, v)),
            Arbitraries.of(VALUES).map(v -> new SubjectId.IssSub("https://other.example", v)),
            Arbitraries.just(new SubjectId.Email("alice@example.com")),
            Arbitraries.of(VALUES).map(SubjectId.Opaque::new));
    Arbitrary<SubjectId> complex =
        Combinators.combine(
                Arbitraries.of("user", "token", "session", "application", "audience", "device"),
                simple,
                Arbitraries.of("user", "token", "session", "application", "audience"),
                simple,
                Arbitraries.of(true, false))
            .as(
                (m1, s1, m2, s2, two) -> {
                  Map<String, SubjectId> members = new HashMap<>();
                  members.put(m1, s1);
                  if (two) {
                    members.put(m2, s2);
                  }
                  return new SubjectId.Complex(members);
                });
    return Combinators.combine(
            Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(6),
            Arbitraries.of(StreamStatus.class),
            Arbitraries.subsetOf(EventType.values()),
            Arbitraries.oneOf(simple, complex).set().ofMaxSize(3))
        .as((id, status, types, subjects) -> stream(id, status, types, subjects));
  }

  private static Revocation revocation(
      SelectorKind kind, String value, RevocationReason reason, Instant watermark, String detail) {
    return Revocation.newBuilder()
        .setEventId("ev-" + kind + value)
        .setOccurredAt(Instant.parse("2030-06-01T00:00:00Z"))
        .setSelector(
            RevocationSelector.newBuilder()
                .setKind(kind)
                .setValue(value)
                .setIssuedBefore(watermark)
                .build())
        .setReason(reason)
        .setRequestedBy("admin:root")
        .setForgetAfter(Instant.parse("2030-06-02T00:00:00Z"))
        .setDetail(detail)
        .build();
  }

  private static SignalStream stream(
      String id, StreamStatus status, Set<EventType> types, Set<SubjectId> subjects) {
    Instant now = Instant.parse("2030-01-01T00:00:00Z");
    return new SignalStream(
        id,
        "receiver",
        "aud",
        DeliveryMethod.PUSH,
        URI.create("https://receiver.example/events"),
        null,
        types,
        status,
        null,
        "",
        subjects,
        now,
        now);
  }

  private static SignalStream withId(SignalStream stream, String id) {
    return new SignalStream(
        id,
        stream.receiver(),
        stream.audience(),
        stream.method(),
        stream.endpoint(),
        stream.authorizationHeader(),
        stream.eventsRequested(),
        stream.status(),
        stream.statusReason(),
        stream.description(),
        stream.subjects(),
        stream.createdAt(),
        stream.updatedAt());
  }
}
