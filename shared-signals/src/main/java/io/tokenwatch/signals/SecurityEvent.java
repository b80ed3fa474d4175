package io.tokenwatch.signals;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One security event, before it is wrapped in a signed Security Event Token for a stream: the SET's
 * {@code jti}, its subject ({@code sub_id}) and its single member of {@code events}.
 *
 * @param jti the SET's unique id; deterministic where the same event may be produced twice (from
 *     the issuer's fast path and from the feed, or after a crash), so receivers deduplicate it
 * @param type the event type, the key of the member in {@code events}
 * @param subject whom or what the event is about
 * @param eventTimestamp when the event happened, the {@code event_timestamp} of CAEP events
 * @param members the rest of the event's payload (for example {@code reason_admin}, {@code
 *     initiating_entity}, {@code change_type}, or a verification event's {@code state}); JSON
 *     values: strings, numbers, booleans, lists and maps of them
 * @param txn the transaction id linking SETs of one cause ({@code txn}, RFC 8417), when known
 */
public record SecurityEvent(
    String jti,
    EventType type,
    SubjectId subject,
    Instant eventTimestamp,
    Map<String, Object> members,
    @Nullable String txn) {

  public SecurityEvent {
    requireNonNull(jti, "jti");
    requireNonNull(type, "type");
    requireNonNull(subject, "subject");
    requireNonNull(eventTimestamp, "eventTimestamp");
    requireNonNull(members, "members");
    if (jti.isBlank()) {
      throw new IllegalArgumentException("jti must not be blank");
    }
    members = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(members));
  }
}
