package io.tokenwatch.signals.stream;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.signals.DeliveryMethod;
import io.tokenwatch.signals.EndpointRules;
import io.tokenwatch.signals.EventOutbox;
import io.tokenwatch.signals.EventType;
import io.tokenwatch.signals.SecurityEvent;
import io.tokenwatch.signals.SignalStream;
import io.tokenwatch.signals.StreamRegistry;
import io.tokenwatch.signals.StreamStatus;
import io.tokenwatch.signals.SubjectId;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Stream management (SSF 1.0 section 8.1): creates, reads, updates, replaces and deletes a
 * receiver's streams, changes their status, adds and removes subjects and asks for verification
 * events. Requests arrive as plain JSON values (maps, lists, strings, numbers, booleans) and are
 * checked here; every method answers a {@link StreamResult}, refusing without changing anything.
 *
 * <p>Rules:
 *
 * <ul>
 *   <li>A stream belongs to the receiver (client id) that created it; another receiver's stream is
 *       {@link StreamResult.Reason#NOT_FOUND}, as if it did not exist.
 *   <li>Unknown members are refused, and so are {@code stream_id} on creation and {@code iss} or
 *       {@code aud} other than the transmitter's issuer and the receiver's client id; the read-only
 *       members {@code events_supported}, {@code events_delivered} and {@code
 *       min_verification_interval} are ignored when sent back.
 *   <li>{@code events_requested} entries must be absolute URIs; types the transmitter does not know
 *       are left out of the stream (and so of {@code events_delivered}).
 *   <li>A push endpoint must pass {@link EndpointRules}; a poll stream's endpoint is assigned by
 *       the transmitter. The delivery method of a stream never changes.
 *   <li>A status change sends an SSF {@code stream-updated} event to the stream; a verification
 *       request sends a {@code verification} event carrying its {@code state}, at most once per
 *       minimum verification interval (tracked by this instance).
 * </ul>
 *
 * <p>Thread-safe: changes are serialized on this instance; across instances the last write wins.
 */
public final class StreamManager {

  /** Longest {@code authorization_header} accepted. */
  public static final int MAX_AUTHORIZATION_HEADER = 4096;

  private static final Set<String> CREATE_MEMBERS =
      Set.of(
          "iss",
          "aud",
          "delivery",
          "events_requested",
          "description",
          "events_supported",
          "events_delivered",
          "min_verification_interval");
  private static final Set<String> UPDATE_MEMBERS = union(CREATE_MEMBERS, Set.of("stream_id"));
  private static final Set<String> DELIVERY_MEMBERS =
      Set.of("method", "endpoint_url", "authorization_header");
  private static final Pattern HEADER_VALUE = Pattern.compile("[\\x20-\\x7E]+");

  private final StreamRegistry registry;
  private final EventOutbox outbox;
  private final EndpointRules endpoints;
  private final StreamLimits limits;
  private final String issuer;
  private final Function<String, URI> pollEndpoint;
  private final Supplier<String> ids;
  private final Clock clock;
  private final Map<String, Instant> lastVerification = new ConcurrentHashMap<>();

  /**
   * @param registry where streams are kept
   * @param outbox where {@code stream-updated} and {@code verification} events go
   * @param endpoints judges push endpoints
   * @param limits limits and defaults
   * @param issuer the transmitter's issuer, the {@code iss} of its streams
   * @param pollEndpoint the transmitter's poll URL of a stream id
   * @param ids new, unguessable stream ids and event ids
   * @param clock the time
   */
  public StreamManager(
      StreamRegistry registry,
      EventOutbox outbox,
      EndpointRules endpoints,
      StreamLimits limits,
      String issuer,
      Function<String, URI> pollEndpoint,
      Supplier<String> ids,
      Clock clock) {
    this.registry = requireNonNull(registry, "registry");
    this.outbox = requireNonNull(outbox, "outbox");
    this.endpoints = requireNonNull(endpoints, "endpoints");
    this.limits = requireNonNull(limits, "limits");
    this.issuer = requireNonNull(issuer, "issuer");
    this.pollEndpoint = requireNonNull(pollEndpoint, "pollEndpoint");
    this.ids = requireNonNull(ids, "ids");
    this.clock = requireNonNull(clock, "clock");
  }

  /** The event types receivers may request, in declaration order. */
  public static List<EventType> supportedEvents() {
    return java.util.Arrays.stream(EventType.values()).filter(EventType::requestable).toList();
  }

  /** The limits in force. */
  public StreamLimits limits() {
    return limits;
  }

  /** The transmitter's issuer. */
  public String issuer() {
    return issuer;
  }

  /** Creates a stream for {@code receiver} from a stream configuration request. */
  public synchronized StreamResult create(String receiver, Map<String, ?> body) {
    requireNonNull(receiver, "receiver");
    requireNonNull(body, "body");
    try {
      if (body.containsKey("stream_id")) {
        throw new InvalidRequest("'stream_id' is assigned by the transmitter");
      }
      JsonValues.only(body, CREATE_MEMBERS, "the stream configuration");
      checkIssuerAndAudience(receiver, body);
      Map<String, ?> delivery = JsonValues.optionalObject(body, "delivery");
      if (delivery == null) {
        throw new InvalidRequest("'delivery' is required");
      }
      DeliveryMethod method = method(delivery);
      Set<EventType> events = eventsRequested(body, Set.of());
      String description = description(body, "");
      long owned = registry.all().stream().filter(s -> s.receiver().equals(receiver)).count();
      if (owned >= limits.maxPerReceiver()) {
        return new StreamResult.Refused(
            StreamResult.Reason.TOO_MANY_STREAMS,
            "a receiver may have at most " + limits.maxPerReceiver() + " streams");
      }
      String streamId = ids.get();
      Delivery target = delivery(method, delivery, null, streamId);
      Instant now = clock.instant();
      SignalStream stream =
          new SignalStream(
              streamId,
              receiver,
              receiver,
              method,
              target.endpoint(),
              target.authorization(),
              events,
              StreamStatus.ENABLED,
              null,
              description,
              Set.of(),
              now,
              now);
      registry.put(stream);
      return new StreamResult.Done(stream);
    } catch (InvalidRequest e) {
      return invalid(e);
    }
  }

  /** The stream {@code streamId} of {@code receiver}. */
  public StreamResult get(String receiver, String streamId) {
    requireNonNull(receiver, "receiver");
    requireNonNull(streamId, "streamId");
    return owned(receiver, streamId)
        .<StreamResult>map(StreamResult.Done::new)
        .orElseGet(StreamManager::notFound);
  }

  /** Every stream of {@code receiver}, oldest first. */
  public List<SignalStream> list(String receiver) {
    requireNonNull(receiver, "receiver");
    return registry.all().stream()
        .filter(stream -> stream.receiver().equals(receiver))
        .sorted(Comparator.comparing(SignalStream::createdAt).thenComparing(SignalStream::streamId))
        .toList();
  }

  /** Changes the members {@code body} names (HTTP PATCH); the others keep their values. */
  public synchronized StreamResult update(String receiver, Map<String, ?> body) {
    return change(receiver, body, false);
  }

  /** Replaces the receiver-supplied members with {@code body}'s (HTTP PUT). */
  public synchronized StreamResult replace(String receiver, Map<String, ?> body) {
    return change(receiver, body, true);
  }

  /** Deletes the stream {@code streamId} of {@code receiver}. */
  public synchronized StreamResult delete(String receiver, String streamId) {
    requireNonNull(receiver, "receiver");
    requireNonNull(streamId, "streamId");
    Optional<SignalStream> stream = owned(receiver, streamId);
    if (stream.isEmpty()) {
      return notFound();
    }
    registry.delete(streamId);
    lastVerification.remove(streamId);
    return new StreamResult.Done(stream.get());
  }

  /**
   * Sets the status of a stream from {@code {stream_id, status, reason?}}; a change sends a {@code
   * stream-updated} event, queued before the change is stored.
   *
   * @throws IllegalStateException when the event could not be queued (the status is unchanged) or
   *     the change could not be stored after it was (a retry sends the event again)
   */
  public synchronized StreamResult changeStatus(String receiver, Map<String, ?> body) {
    return onOwnedStream(
        receiver,
        body,
        Set.of("stream_id", "status", "reason"),
        "the status request",
        request -> {
          String wire = JsonValues.requiredString(request, "status", 16);
          StreamStatus status =
              java.util.Arrays.stream(StreamStatus.values())
                  .filter(candidate -> candidate.wireName().equals(wire))
                  .findFirst()
                  .orElseThrow(
                      () -> new InvalidRequest("'status' must be enabled, paused or disabled"));
          return new StatusChange(
              status, JsonValues.optionalString(request, "reason", JsonValues.MAX_TEXT));
        },
        (current, change) -> {
          StreamStatus status = change.status();
          String reason = change.reason();
          if (current.status() == status
              && java.util.Objects.equals(current.statusReason(), reason)) {
            return new StreamResult.Done(current);
          }
          Instant now = clock.instant();
          SignalStream changed = withStatus(current, status, reason, now);
          if (current.status() != status) {
            Map<String, Object> members = new LinkedHashMap<>();
            members.put("status", status.wireName());
            if (reason != null) {
              members.put("reason", reason);
            }
            outbox.send(
                changed,
                new SecurityEvent(
                    ids.get(),
                    EventType.STREAM_UPDATED,
                    new SubjectId.Opaque(current.streamId()),
                    now,
                    members,
                    null));
          }
          // After the event: when queuing it fails nothing changed, and a retry sends it.
          registry.put(changed);
          return new StreamResult.Done(changed);
        });
  }

  /** A status request's members. */
  private record StatusChange(StreamStatus status, @Nullable String reason) {}

  /** The stream whose status is asked for. */
  public StreamResult status(String receiver, String streamId) {
    return get(receiver, streamId);
  }

  /**
   * Adds a subject from {@code {stream_id, subject, verified?}}; adding it again changes nothing.
   */
  public synchronized StreamResult addSubject(String receiver, Map<String, ?> body) {
    return onOwnedStream(
        receiver,
        body,
        Set.of("stream_id", "subject", "verified"),
        "the subject request",
        request -> {
          SubjectId subject = subject(request);
          JsonValues.optionalBoolean(request, "verified");
          return subject;
        },
        (current, subject) -> {
          if (current.subjects().contains(subject)) {
            return new StreamResult.Done(current);
          }
          if (current.subjects().size() >= limits.maxSubjects()) {
            return new StreamResult.Refused(
                StreamResult.Reason.TOO_MANY_SUBJECTS,
                "a stream may hold at most " + limits.maxSubjects() + " subjects");
          }
          return storeSubjects(current, subjects -> subjects.add(subject));
        });
  }

  /**
   * Removes a subject from {@code {stream_id, subject}}; one the stream does not hold is not found.
   */
  public synchronized StreamResult removeSubject(String receiver, Map<String, ?> body) {
    return onOwnedStream(
        receiver,
        body,
        Set.of("stream_id", "subject"),
        "the subject request",
        StreamManager::subject,
        (current, subject) -> {
          if (!current.subjects().contains(subject)) {
            return new StreamResult.Refused(
                StreamResult.Reason.NOT_FOUND, "the stream holds no such subject");
          }
          return storeSubjects(current, subjects -> subjects.remove(subject));
        });
  }

  /**
   * Sends a verification event from {@code {stream_id, state?}}, unless the stream's last one was
   * sent less than the minimum verification interval ago.
   *
   * @throws IllegalStateException when the event could not be queued
   */
  public synchronized StreamResult verify(String receiver, Map<String, ?> body) {
    return onOwnedStream(
        receiver,
        body,
        Set.of("stream_id", "state"),
        "the verification request",
        request ->
            Optional.ofNullable(JsonValues.optionalString(request, "state", JsonValues.MAX_TEXT)),
        (current, state) -> {
          String streamId = current.streamId();
          Instant now = clock.instant();
          Instant last = lastVerification.get(streamId);
          if (last != null && now.isBefore(last.plus(limits.minVerificationInterval()))) {
            return new StreamResult.Refused(
                StreamResult.Reason.TOO_FREQUENT,
                "a stream may be verified once every "
                    + limits.minVerificationInterval().toSeconds()
                    + " seconds");
          }
          Map<String, Object> members = new LinkedHashMap<>();
          state.ifPresent(value -> members.put("state", value));
          outbox.send(
              current,
              new SecurityEvent(
                  ids.get(),
                  EventType.VERIFICATION,
                  new SubjectId.Opaque(streamId),
                  now,
                  members,
                  null));
          lastVerification.put(streamId, now);
          return new StreamResult.Done(current);
        });
  }

  private StreamResult change(String receiver, Map<String, ?> body, boolean replace) {
    return onOwnedStream(
        receiver,
        body,
        UPDATE_MEMBERS,
        "the stream configuration",
        request -> {
          checkIssuerAndAudience(receiver, request);
          return request;
        },
        (current, request) -> changed(current, request, replace));
  }

  /** A configuration change applied to {@code current} (PATCH, or PUT when {@code replace}). */
  private StreamResult changed(SignalStream current, Map<String, ?> body, boolean replace) {
    String streamId = current.streamId();
    Map<String, ?> delivery = JsonValues.optionalObject(body, "delivery");
    if (delivery == null && replace) {
      throw new InvalidRequest("'delivery' is required");
    }
    URI endpoint = current.endpoint();
    String authorization = current.authorizationHeader();
    if (delivery != null) {
      DeliveryMethod method = method(delivery);
      if (method != current.method()) {
        throw new InvalidRequest(
            "the delivery method of a stream cannot change; delete the stream and create a"
                + " new one");
      }
      Delivery target = delivery(method, delivery, replace ? null : current, streamId);
      endpoint = target.endpoint();
      authorization = target.authorization();
    }
    Set<EventType> events = eventsRequested(body, replace ? Set.of() : current.eventsRequested());
    String description = description(body, replace ? "" : current.description());
    SignalStream changed =
        new SignalStream(
            current.streamId(),
            current.receiver(),
            current.audience(),
            current.method(),
            endpoint,
            authorization,
            events,
            current.status(),
            current.statusReason(),
            description,
            current.subjects(),
            current.createdAt(),
            clock.instant());
    registry.put(changed);
    return new StreamResult.Done(changed);
  }

  private record Delivery(URI endpoint, @Nullable String authorization) {}

  /**
   * The delivery target from a {@code delivery} object; with {@code current}, members not given
   * keep their values.
   */
  private Delivery delivery(
      DeliveryMethod method,
      Map<String, ?> delivery,
      @Nullable SignalStream current,
      String streamId) {
    String url = JsonValues.optionalString(delivery, "endpoint_url", EndpointRules.MAX_URL_LENGTH);
    String authorization =
        JsonValues.optionalString(delivery, "authorization_header", MAX_AUTHORIZATION_HEADER);
    if (method == DeliveryMethod.POLL) {
      URI assigned = pollEndpoint.apply(streamId);
      if (url != null && !url.equals(assigned.toString())) {
        throw new InvalidRequest("a poll stream's 'endpoint_url' is assigned by the transmitter");
      }
      if (authorization != null) {
        throw new InvalidRequest("'authorization_header' is for push delivery only");
      }
      return new Delivery(assigned, null);
    }
    URI endpoint;
    if (url == null) {
      if (current == null) {
        throw new InvalidRequest("push delivery needs an 'endpoint_url'");
      }
      endpoint = current.endpoint();
    } else {
      endpoint = JsonValues.absoluteUri(url, "endpoint_url");
      Optional<String> problem = endpoints.problem(endpoint);
      if (problem.isPresent()) {
        throw new InvalidRequest(problem.get());
      }
    }
    if (authorization != null && !HEADER_VALUE.matcher(authorization).matches()) {
      throw new InvalidRequest(
          "'authorization_header' must be printable ASCII, without line breaks");
    }
    if (authorization == null && current != null && !delivery.containsKey("authorization_header")) {
      authorization = current.authorizationHeader();
    }
    return new Delivery(endpoint, authorization);
  }

  private static DeliveryMethod method(Map<String, ?> delivery) {
    JsonValues.only(delivery, DELIVERY_MEMBERS, "'delivery'");
    String uri = JsonValues.requiredString(delivery, "method", JsonValues.MAX_TEXT);
    return DeliveryMethod.ofUri(uri)
        .orElseThrow(
            () ->
                new InvalidRequest(
                    "'delivery.method' must be "
                        + DeliveryMethod.PUSH.uri()
                        + " or "
                        + DeliveryMethod.POLL.uri()));
  }

  private void checkIssuerAndAudience(String receiver, Map<String, ?> body) {
    if (body.containsKey("iss") && !issuer.equals(body.get("iss"))) {
      throw new InvalidRequest("'iss' must be the transmitter's issuer");
    }
    if (body.containsKey("aud")) {
      Object aud = body.get("aud");
      boolean own =
          receiver.equals(aud)
              || (aud instanceof List<?> list && list.size() == 1 && receiver.equals(list.get(0)));
      if (!own) {
        throw new InvalidRequest("'aud' must be the receiver's client id");
      }
    }
  }

  private static Set<EventType> eventsRequested(Map<String, ?> body, Set<EventType> otherwise) {
    List<String> uris =
        JsonValues.optionalStrings(
            body, "events_requested", JsonValues.MAX_EVENT_TYPES, JsonValues.MAX_TEXT);
    if (uris == null) {
      return otherwise;
    }
    Set<EventType> events = new LinkedHashSet<>();
    for (String uri : uris) {
      JsonValues.absoluteUri(uri, "events_requested");
      EventType.ofUri(uri).ifPresent(events::add);
    }
    return events;
  }

  private static String description(Map<String, ?> body, String otherwise) {
    String description = JsonValues.optionalString(body, "description", JsonValues.MAX_TEXT);
    return description == null ? otherwise : description;
  }

  private static SubjectId subject(Map<String, ?> body) {
    Map<String, ?> json = JsonValues.optionalObject(body, "subject");
    if (json == null) {
      throw new InvalidRequest("'subject' is required");
    }
    try {
      return SubjectId.fromJson(json);
    } catch (IllegalArgumentException | ClassCastException e) {
      throw new InvalidRequest(
          "'subject' is not a supported RFC 9493 subject identifier (iss_sub, email, opaque,"
              + " complex)");
    }
  }

  /** Reads a request's own members from its body; throws {@link InvalidRequest} when it cannot. */
  @FunctionalInterface
  private interface RequestReader<T> {
    T read(Map<String, ?> body);
  }

  /** Acts on the receiver's stream with what was read from the request. */
  @FunctionalInterface
  private interface StreamAction<T> {
    StreamResult apply(SignalStream current, T request);
  }

  /**
   * A request on one of {@code receiver}'s streams, named by the body's {@code stream_id}: refuses
   * a body with members other than {@code members} or a malformed one (read before the stream is
   * looked up, so a malformed request is invalid whether or not the stream exists), then looks the
   * stream up, answers not found when there is none or another receiver owns it (which is not told
   * apart, so stream ids cannot be probed), and otherwise applies {@code action}. An {@link
   * InvalidRequest} from the reader or the action is refused as invalid.
   */
  private <T> StreamResult onOwnedStream(
      String receiver,
      Map<String, ?> body,
      Set<String> members,
      String what,
      RequestReader<T> reader,
      StreamAction<T> action) {
    requireNonNull(receiver, "receiver");
    requireNonNull(body, "body");
    try {
      JsonValues.only(body, members, what);
      String streamId = JsonValues.streamId(body);
      T request = reader.read(body);
      Optional<SignalStream> found = owned(receiver, streamId);
      if (found.isEmpty()) {
        return notFound();
      }
      return action.apply(found.get(), request);
    } catch (InvalidRequest e) {
      return invalid(e);
    }
  }

  private Optional<SignalStream> owned(String receiver, String streamId) {
    if (streamId.isEmpty() || streamId.length() > JsonValues.MAX_STREAM_ID) {
      return Optional.empty();
    }
    return registry.get(streamId).filter(stream -> stream.receiver().equals(receiver));
  }

  private static SignalStream withStatus(
      SignalStream s, StreamStatus status, @Nullable String reason, Instant now) {
    return new SignalStream(
        s.streamId(),
        s.receiver(),
        s.audience(),
        s.method(),
        s.endpoint(),
        s.authorizationHeader(),
        s.eventsRequested(),
        status,
        reason,
        s.description(),
        s.subjects(),
        s.createdAt(),
        now);
  }

  /** Stores {@code current} with its subjects changed by {@code edit}, updated now. */
  private StreamResult storeSubjects(SignalStream current, Consumer<Set<SubjectId>> edit) {
    Set<SubjectId> subjects = new HashSet<>(current.subjects());
    edit.accept(subjects);
    SignalStream changed = withSubjects(current, subjects, clock.instant());
    registry.put(changed);
    return new StreamResult.Done(changed);
  }

  private static SignalStream withSubjects(SignalStream s, Set<SubjectId> subjects, Instant now) {
    return new SignalStream(
        s.streamId(),
        s.receiver(),
        s.audience(),
        s.method(),
        s.endpoint(),
        s.authorizationHeader(),
        s.eventsRequested(),
        s.status(),
        s.statusReason(),
        s.description(),
        subjects,
        s.createdAt(),
        now);
  }

  private static StreamResult notFound() {
    return new StreamResult.Refused(StreamResult.Reason.NOT_FOUND, "no such stream");
  }

  private static StreamResult invalid(InvalidRequest e) {
    return new StreamResult.Refused(StreamResult.Reason.INVALID, String.valueOf(e.getMessage()));
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new HashSet<>(a);
    all.addAll(b);
    return Set.copyOf(all);
  }
}
