package io.tokenwatch.signals;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.SelectorKind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Which revocations concern a stream, and as which security events: the transmitter's mapping from
 * Tokenwatch's revocation feed to CAEP and RISC events. The table is in the module README.
 *
 * <p>A stream gets an event when it is enabled or paused, requested the event's type, and either
 * the transmitter sends every subject by default or one of the stream's subjects matches the
 * revocation. Immutable and thread-safe.
 */
public final class RevocationSignals {

  /** RISC {@code account-disabled} reason for a client whose credentials are compromised. */
  static final String HIJACKING = "hijacking";

  /** The event member that names Tokenwatch's selector exactly; see {@link #selector}. */
  public static final String SELECTOR_MEMBER = "tokenwatch_selector";

  private final String issuer;
  private final boolean allSubjectsByDefault;

  /**
   * @param issuer the Tokenwatch issuer, the {@code iss} of {@code iss_sub} subjects
   * @param allSubjectsByDefault whether a stream without matching subjects still gets every event
   *     (SSF's {@code default_subjects: ALL})
   */
  public RevocationSignals(String issuer, boolean allSubjectsByDefault) {
    this.issuer = requireNonNull(issuer, "issuer");
    this.allSubjectsByDefault = allSubjectsByDefault;
  }

  /**
   * The events {@code revocation} produces for {@code stream}, each with its deterministic jti;
   * empty when the stream is not concerned.
   *
   * @throws IllegalArgumentException when the revocation cannot be evaluated (an {@code UNKNOWN}
   *     selector kind or a blank value): it is poison input, never silently skipped
   */
  public List<SecurityEvent> eventsFor(Revocation revocation, SignalStream stream) {
    requireNonNull(revocation, "revocation");
    requireNonNull(stream, "stream");
    List<Template> templates = templates(revocation);
    if (stream.status() == StreamStatus.DISABLED) {
      return List.of();
    }
    if (!allSubjectsByDefault && !concerns(stream, revocation)) {
      return List.of();
    }
    List<SecurityEvent> events = new ArrayList<>();
    Instant watermark = watermark(revocation);
    for (Template template : templates) {
      if (!stream.eventsDelivered().contains(template.type)) {
        continue;
      }
      String jti =
          SetJti.of(
              stream.streamId(),
              revocation.getSelector().getKind().name(),
              revocation.getSelector().getValue(),
              watermark,
              template.type);
      events.add(
          new SecurityEvent(
              jti,
              template.type,
              template.subject,
              eventTimestamp(revocation),
              template.members,
              revocation.getEventId()));
    }
    return List.copyOf(events);
  }

  /** Whether one of the stream's subjects matches what the revocation covers. */
  boolean concerns(SignalStream stream, Revocation revocation) {
    SelectorKind kind = revocation.getSelector().getKind();
    String value = revocation.getSelector().getValue();
    return stream.subjects().stream().anyMatch(subject -> matches(subject, kind, value));
  }

  private boolean matches(SubjectId subject, SelectorKind kind, String value) {
    if (subject instanceof SubjectId.IssSub issSub) {
      return kind == SelectorKind.SUBJECT
          && issSub.iss().equals(issuer)
          && issSub.sub().equals(value);
    }
    if (subject instanceof SubjectId.Email email) {
      return kind == SelectorKind.SUBJECT && sameEmail(email.email(), value);
    }
    if (subject instanceof SubjectId.Opaque opaque) {
      return (kind == SelectorKind.TOKEN
              || kind == SelectorKind.GRANT
              || kind == SelectorKind.LINEAGE
              || kind == SelectorKind.CLIENT)
          && opaque.id().equals(value);
    }
    SubjectId.Complex complex = (SubjectId.Complex) subject;
    return complex.members().entrySet().stream()
        .allMatch(
            member ->
                memberKindMatches(member.getKey(), kind)
                    && matchesAsMember(member.getValue(), kind, value));
  }

  private boolean matchesAsMember(SubjectId member, SelectorKind kind, String value) {
    if (kind == SelectorKind.AUDIENCE && member instanceof SubjectId.Opaque opaque) {
      return opaque.id().equals(value);
    }
    return matches(member, kind, value);
  }

  private static boolean memberKindMatches(String member, SelectorKind kind) {
    return switch (member) {
      case "user" -> kind == SelectorKind.SUBJECT;
      case "token" -> kind == SelectorKind.TOKEN;
      case "session" -> kind == SelectorKind.GRANT || kind == SelectorKind.LINEAGE;
      case "application" -> kind == SelectorKind.CLIENT;
      case "audience" -> kind == SelectorKind.AUDIENCE;
      default -> false;
    };
  }

  /** Local part exact, domain case-insensitive (RFC 5321). */
  static boolean sameEmail(String email, String value) {
    int at = email.lastIndexOf('@');
    int valueAt = value.lastIndexOf('@');
    if (at <= 0 || valueAt <= 0) {
      return false;
    }
    return email.substring(0, at).equals(value.substring(0, valueAt))
        && email
            .substring(at + 1)
            .toLowerCase(Locale.ROOT)
            .equals(value.substring(valueAt + 1).toLowerCase(Locale.ROOT));
  }

  private record Template(EventType type, SubjectId subject, Map<String, Object> members) {}

  private List<Template> templates(Revocation revocation) {
    SelectorKind kind = revocation.getSelector().getKind();
    String value = revocation.getSelector().getValue();
    if (value.isBlank()) {
      throw new IllegalArgumentException("revocation selector value is blank");
    }
    RevocationReason reason = revocation.getReason();
    Map<String, Object> caep = caepMembers(revocation);
    return switch (kind) {
      case SUBJECT -> {
        SubjectId subject = new SubjectId.IssSub(issuer, value);
        List<Template> templates = new ArrayList<>();
        templates.add(new Template(EventType.SESSION_REVOKED, subject, caep));
        if (reason == RevocationReason.COMPROMISED) {
          Map<String, Object> change = new LinkedHashMap<>(caep);
          change.put("credential_type", "app");
          change.put("change_type", "revoke");
          templates.add(new Template(EventType.CREDENTIAL_CHANGE, subject, change));
        }
        yield templates;
      }
      case TOKEN -> List.of(new Template(EventType.SESSION_REVOKED, complex("token", value), caep));
      case GRANT, LINEAGE ->
          List.of(new Template(EventType.SESSION_REVOKED, complex("session", value), caep));
      case AUDIENCE ->
          List.of(new Template(EventType.SESSION_REVOKED, complex("audience", value), caep));
      case CLIENT -> {
        Map<String, Object> risc = new LinkedHashMap<>();
        risc.put(SELECTOR_MEMBER, selector(revocation));
        if (reason == RevocationReason.COMPROMISED) {
          risc.put("reason", HIJACKING);
        }
        yield List.of(
            new Template(EventType.ACCOUNT_DISABLED, complex("application", value), risc));
      }
      case UNKNOWN ->
          throw new IllegalArgumentException(
              "revocation selector kind UNKNOWN cannot be mapped to a security event");
    };
  }

  private static SubjectId complex(String member, String value) {
    return new SubjectId.Complex(Map.of(member, new SubjectId.Opaque(value)));
  }

  private static Map<String, Object> caepMembers(Revocation revocation) {
    Map<String, Object> members = new LinkedHashMap<>();
    members.put("initiating_entity", initiatingEntity(revocation.getReason()));
    members.put(SELECTOR_MEMBER, selector(revocation));
    String detail = revocation.getDetail();
    if (detail != null && !detail.isBlank()) {
      members.put("reason_admin", Map.of("en", detail));
    }
    return members;
  }

  /**
   * Tokenwatch's own selector, exactly: kind, value and, for a watermark, {@code issued_before_ms}
   * (epoch millis; tokens issued strictly before it are revoked). The standard members say whom an
   * event concerns, but not all of what a selector means: {@code event_timestamp} is the same for a
   * watermark and for a revocation of every matching token, and a session may be a grant or a
   * delegation lineage. A receiver that validates Tokenwatch tokens reads this member and revokes
   * exactly what Tokenwatch's validators do; CAEP allows members of one's own beside the defined
   * ones, and receivers ignore those they do not know.
   */
  static Map<String, Object> selector(Revocation revocation) {
    Map<String, Object> selector = new LinkedHashMap<>();
    selector.put("kind", revocation.getSelector().getKind().name().toLowerCase(Locale.ROOT));
    selector.put("value", revocation.getSelector().getValue());
    Instant watermark = watermark(revocation);
    if (watermark != null) {
      selector.put("issued_before_ms", watermark.toEpochMilli());
    }
    return selector;
  }

  /** CAEP {@code initiating_entity} for a revocation reason. */
  static String initiatingEntity(RevocationReason reason) {
    return switch (reason) {
      case ADMIN, COMPROMISED -> "admin";
      case CLIENT_REQUEST -> "user";
      case MAX_USES_EXCEEDED, POLICY_CHANGE -> "policy";
      case REFRESH_TOKEN_REUSE, PARENT_REVOKED, ANOMALY_AUTO_RESPONSE, UNKNOWN -> "system";
    };
  }

  private static @Nullable Instant watermark(Revocation revocation) {
    return revocation.getSelector().getIssuedBefore();
  }

  /** The watermark when set, else when the revocation took effect. */
  static Instant eventTimestamp(Revocation revocation) {
    Instant watermark = watermark(revocation);
    return watermark != null ? watermark : revocation.getOccurredAt();
  }
}
