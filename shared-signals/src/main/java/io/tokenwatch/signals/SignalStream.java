package io.tokenwatch.signals;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.time.Instant;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One SSF event stream: which receiver owns it, how its events are delivered, which event types and
 * subjects it wants, and whether the transmitter sends.
 *
 * @param streamId the transmitter-assigned id, unique
 * @param receiver the client id of the receiver that created the stream, from its bearer token;
 *     only that client may read or change the stream
 * @param audience the {@code aud} of the stream's SETs
 * @param method push or poll
 * @param endpoint for push, the receiver's URL; for poll, the transmitter's poll URL
 * @param authorizationHeader for push, the {@code Authorization} header value the transmitter
 *     sends; a secret, never logged nor shown back
 * @param eventsRequested the event types the receiver asked for
 * @param status whether events are sent, held or dropped
 * @param statusReason why the status was last changed, when a reason was given
 * @param description the receiver's free-text description
 * @param subjects the subjects added to the stream; which revocations concern the stream when the
 *     transmitter does not send every subject by default
 * @param createdAt when the stream was created
 * @param updatedAt when it last changed
 */
public record SignalStream(
    String streamId,
    String receiver,
    String audience,
    DeliveryMethod method,
    URI endpoint,
    @Nullable String authorizationHeader,
    Set<EventType> eventsRequested,
    StreamStatus status,
    @Nullable String statusReason,
    String description,
    Set<SubjectId> subjects,
    Instant createdAt,
    Instant updatedAt) {

  public SignalStream {
    requireNonNull(streamId, "streamId");
    requireNonNull(receiver, "receiver");
    requireNonNull(audience, "audience");
    requireNonNull(method, "method");
    requireNonNull(endpoint, "endpoint");
    requireNonNull(eventsRequested, "eventsRequested");
    requireNonNull(status, "status");
    requireNonNull(description, "description");
    requireNonNull(subjects, "subjects");
    requireNonNull(createdAt, "createdAt");
    requireNonNull(updatedAt, "updatedAt");
    eventsRequested = Set.copyOf(eventsRequested);
    subjects = Set.copyOf(subjects);
  }

  /** The event types the transmitter will send on this stream: requested and supported. */
  public Set<EventType> eventsDelivered() {
    return eventsRequested.stream()
        .filter(EventType::requestable)
        .collect(java.util.stream.Collectors.toUnmodifiableSet());
  }

  @Override
  public String toString() {
    return "SignalStream[" + streamId + " of " + receiver + ", " + method + " " + status + "]";
  }
}
