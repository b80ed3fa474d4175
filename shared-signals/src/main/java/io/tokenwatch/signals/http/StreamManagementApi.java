package io.tokenwatch.signals.http;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.router.JavalinDefaultRoutingApi;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.tokenwatch.schemas.http.ErrorFormat;
import io.tokenwatch.schemas.http.JsonErrors;
import io.tokenwatch.signals.EventType;
import io.tokenwatch.signals.SignalStream;
import io.tokenwatch.signals.stream.StreamManager;
import io.tokenwatch.signals.stream.StreamResult;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SSF stream management API (SSF 1.0 section 8.1) over HTTP:
 *
 * <ul>
 *   <li>{@value #STREAMS}: {@code POST} creates a stream (201, its configuration), {@code GET}
 *       reads one ({@code ?stream_id=}) or lists the caller's (a JSON array), {@code PATCH} changes
 *       the members given, {@code PUT} replaces the receiver-supplied members (200, the
 *       configuration), {@code DELETE ?stream_id=} deletes (204);
 *   <li>{@value #STATUS}: {@code GET ?stream_id=} and {@code POST {stream_id, status, reason?}}
 *       (200, {@code {stream_id, status, reason?}});
 *   <li>{@value #ADD_SUBJECT} (200, empty) and {@value #REMOVE_SUBJECT} (204): {@code POST
 *       {stream_id, subject, verified?}};
 *   <li>{@value #VERIFY}: {@code POST {stream_id, state?}} (204).
 * </ul>
 *
 * <p>Every call needs a receiver's access token ({@link ReceiverAuthentication}): scope {@value
 * ReceiverAuthentication#SCOPE_READ} for {@code GET}, {@value ReceiverAuthentication#SCOPE_MANAGE}
 * for the rest. Refusals are RFC 7807 problem bodies: 400 malformed, 401/403 token, 404 no such
 * stream of the caller, 409 a limit reached, 413 body too large, 415 not JSON, 429 verification too
 * soon, 503 registry not caught up or a write that could not be made durable. Thread-safe.
 */
public final class StreamManagementApi implements MeterBinder {

  public static final String STREAMS = "/ssf/streams";
  public static final String STATUS = "/ssf/status";
  public static final String ADD_SUBJECT = "/ssf/subjects:add";
  public static final String REMOVE_SUBJECT = "/ssf/subjects:remove";
  public static final String VERIFY = "/ssf/verify";

  /** The prefix of a poll stream's endpoint; the stream id follows. */
  public static final String POLL_PREFIX = "/ssf/poll/";

  private static final Logger log = LoggerFactory.getLogger(StreamManagementApi.class);

  private final StreamManager streams;
  private final ReceiverAuthentication auth;
  private final BooleanSupplier ready;
  private final int maxRequestBytes;
  private volatile @Nullable MeterRegistry meters;

  /**
   * @param streams the stream rules
   * @param auth authenticates receivers
   * @param ready whether the stream registry has caught up; calls are answered 503 until then
   * @param maxRequestBytes the largest request body accepted
   */
  public StreamManagementApi(
      StreamManager streams,
      ReceiverAuthentication auth,
      BooleanSupplier ready,
      int maxRequestBytes) {
    this.streams = requireNonNull(streams, "streams");
    this.auth = requireNonNull(auth, "auth");
    this.ready = requireNonNull(ready, "ready");
    if (maxRequestBytes < 1) {
      throw new IllegalArgumentException("maxRequestBytes must be positive");
    }
    this.maxRequestBytes = maxRequestBytes;
  }

  /**
   * Counts every call as {@code tokenwatch.signals.stream-requests{operation, status}}, refusals
   * included ({@code operation} is the method and path, {@code status} the HTTP status).
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    this.meters = requireNonNull(registry, "registry");
  }

  /** Adds the API's routes. */
  public void addRoutes(JavalinDefaultRoutingApi routes) {
    routes.post(STREAMS, ctx -> changing(ctx, this::create));
    routes.get(STREAMS, ctx -> reading(ctx, this::read));
    routes.patch(STREAMS, ctx -> changing(ctx, (c, r) -> changed(c, streams.update(r, body(c)))));
    routes.put(STREAMS, ctx -> changing(ctx, (c, r) -> changed(c, streams.replace(r, body(c)))));
    routes.delete(STREAMS, ctx -> changing(ctx, this::delete));
    routes.get(STATUS, ctx -> reading(ctx, this::readStatus));
    routes.post(STATUS, ctx -> changing(ctx, this::changeStatus));
    routes.post(ADD_SUBJECT, ctx -> changing(ctx, this::addSubject));
    routes.post(REMOVE_SUBJECT, ctx -> changing(ctx, this::removeSubject));
    routes.post(VERIFY, ctx -> changing(ctx, this::verify));
  }

  /** The configuration of {@code stream} as the API shows it; never its authorization header. */
  public static ObjectNode configuration(SignalStream stream, String issuer, StreamManager rules) {
    ObjectNode json = JsonBodies.JSON.createObjectNode();
    json.put("stream_id", stream.streamId());
    json.put("iss", issuer);
    json.put("aud", stream.audience());
    json.putObject("delivery")
        .put("method", stream.method().uri())
        .put("endpoint_url", stream.endpoint().toString());
    ArrayNode supported = json.putArray("events_supported");
    StreamManager.supportedEvents().forEach(type -> supported.add(type.uri()));
    ArrayNode requested = json.putArray("events_requested");
    stream.eventsRequested().stream().map(EventType::uri).sorted().forEach(requested::add);
    ArrayNode delivered = json.putArray("events_delivered");
    stream.eventsDelivered().stream().map(EventType::uri).sorted().forEach(delivered::add);
    json.put("description", stream.description());
    json.put("min_verification_interval", rules.limits().minVerificationInterval().toSeconds());
    return json;
  }

  private interface Call {
    void handle(Context ctx, String receiver) throws Exception;
  }

  /** Thrown to leave a handler once the refusal has been answered. */
  private static final class Answered extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Answered() {
      super(null, null, false, false);
    }
  }

  private void reading(Context ctx, Call call) throws Exception {
    guarded(ctx, ReceiverAuthentication.SCOPE_READ, call);
  }

  private void changing(Context ctx, Call call) throws Exception {
    guarded(ctx, ReceiverAuthentication.SCOPE_MANAGE, call);
  }

  private void guarded(Context ctx, String scope, Call call) throws Exception {
    try {
      authorizedCall(ctx, scope, call);
    } finally {
      MeterRegistry registry = meters;
      if (registry != null) {
        registry
            .counter(
                "tokenwatch.signals.stream-requests",
                "operation",
                ctx.method().name() + " " + ctx.path(),
                "status",
                Integer.toString(ctx.statusCode()))
            .increment();
      }
    }
  }

  private void authorizedCall(Context ctx, String scope, Call call) throws Exception {
    Optional<String> receiver = auth.authenticate(ctx, scope);
    if (receiver.isEmpty()) {
      return;
    }
    if (!ready.getAsBoolean()) {
      problem(ctx, 503, "the stream registry is still catching up; retry shortly");
      return;
    }
    ctx.header("Cache-Control", "no-store");
    try {
      call.handle(ctx, receiver.get());
    } catch (Answered e) {
      // the refusal is in the response already
    } catch (IllegalStateException e) {
      log.warn("A stream change for {} could not be completed", receiver.get(), e);
      problem(ctx, 503, "the change could not be made durable; retry");
    }
  }

  private Map<String, ?> body(Context ctx) throws java.io.IOException {
    JsonBodies.Read read = JsonBodies.read(ctx, maxRequestBytes);
    if (read instanceof JsonBodies.Read.Refused refused) {
      problem(ctx, refused.refusal().status(), refused.refusal().detail());
      throw new Answered();
    }
    return ((JsonBodies.Read.Body) read).json();
  }

  private static Optional<String> streamIdParam(Context ctx) {
    List<String> ids = ctx.queryParams("stream_id");
    if (ids.size() > 1) {
      problem(ctx, 400, "give 'stream_id' at most once");
      throw new Answered();
    }
    return ids.isEmpty() ? Optional.empty() : Optional.of(ids.get(0));
  }

  private static String requiredStreamId(Context ctx) {
    return streamIdParam(ctx)
        .orElseGet(
            () -> {
              problem(ctx, 400, "the query parameter 'stream_id' is required");
              throw new Answered();
            });
  }

  private void create(Context ctx, String receiver) throws Exception {
    StreamResult result = streams.create(receiver, body(ctx));
    if (result instanceof StreamResult.Done done) {
      ctx.status(201);
      json(ctx, configuration(done.stream(), streams.issuer(), streams));
    } else {
      refused(ctx, (StreamResult.Refused) result);
    }
  }

  private void read(Context ctx, String receiver) {
    Optional<String> id = streamIdParam(ctx);
    if (id.isEmpty()) {
      ArrayNode list = JsonBodies.JSON.createArrayNode();
      streams.list(receiver).forEach(s -> list.add(configuration(s, streams.issuer(), streams)));
      json(ctx, list);
      return;
    }
    changed(ctx, streams.get(receiver, id.get()));
  }

  private void changed(Context ctx, StreamResult result) {
    if (result instanceof StreamResult.Done done) {
      json(ctx, configuration(done.stream(), streams.issuer(), streams));
    } else {
      refused(ctx, (StreamResult.Refused) result);
    }
  }

  private void delete(Context ctx, String receiver) {
    StreamResult result = streams.delete(receiver, requiredStreamId(ctx));
    if (result instanceof StreamResult.Done) {
      ctx.status(204);
    } else {
      refused(ctx, (StreamResult.Refused) result);
    }
  }

  private void readStatus(Context ctx, String receiver) {
    status(ctx, streams.status(receiver, requiredStreamId(ctx)));
  }

  private void changeStatus(Context ctx, String receiver) throws Exception {
    status(ctx, streams.changeStatus(receiver, body(ctx)));
  }

  private static void status(Context ctx, StreamResult result) {
    if (result instanceof StreamResult.Done done) {
      ObjectNode json = JsonBodies.JSON.createObjectNode();
      json.put("stream_id", done.stream().streamId());
      json.put("status", done.stream().status().wireName());
      if (done.stream().statusReason() != null) {
        json.put("reason", done.stream().statusReason());
      }
      json(ctx, json);
    } else {
      refused(ctx, (StreamResult.Refused) result);
    }
  }

  private void addSubject(Context ctx, String receiver) throws Exception {
    empty(ctx, streams.addSubject(receiver, body(ctx)), 200);
  }

  private void removeSubject(Context ctx, String receiver) throws Exception {
    empty(ctx, streams.removeSubject(receiver, body(ctx)), 204);
  }

  private void verify(Context ctx, String receiver) throws Exception {
    empty(ctx, streams.verify(receiver, body(ctx)), 204);
  }

  private static void empty(Context ctx, StreamResult result, int status) {
    if (result instanceof StreamResult.Done) {
      ctx.status(status);
    } else {
      refused(ctx, (StreamResult.Refused) result);
    }
  }

  private static void refused(Context ctx, StreamResult.Refused refused) {
    log.debug("Refused {} {}: {}", ctx.method(), ctx.path(), refused.detail());
    int status =
        switch (refused.reason()) {
          case INVALID -> 400;
          case NOT_FOUND -> 404;
          case TOO_MANY_STREAMS, TOO_MANY_SUBJECTS -> 409;
          case TOO_FREQUENT -> 429;
        };
    problem(ctx, status, refused.detail());
  }

  private static void json(Context ctx, com.fasterxml.jackson.databind.JsonNode json) {
    ctx.contentType("application/json").result(json.toString());
  }

  private static void problem(Context ctx, int status, String detail) {
    JsonErrors.respond(ctx, ErrorFormat.PROBLEM, status, detail);
  }
}
