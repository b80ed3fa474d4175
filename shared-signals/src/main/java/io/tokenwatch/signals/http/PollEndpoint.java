package io.tokenwatch.signals.http;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.tokenwatch.schemas.http.ErrorFormat;
import io.tokenwatch.signals.PollDelivery;
import io.tokenwatch.signals.PollOutcome;
import io.tokenwatch.signals.PollRequest;
import io.tokenwatch.signals.PollSet;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /ssf/poll/{stream_id}}: poll delivery of SETs (RFC 8936).
 *
 * <p>The body ({@code application/json}, may be empty) holds {@code ack} (an array of {@code
 * jti}s), {@code setErrs} (an object of {@code jti} to {@code {"err", "description"}}), {@code
 * maxEvents} (0 to the configured bound) and {@code returnImmediately}; all optional, other members
 * ignored. The answer is {@code {"sets": {jti: SET, ...}, "moreAvailable": bool}}.
 *
 * <p>Refusals carry an RFC 7807 body that also holds the RFC 8935 {@code err} and {@code
 * description} members: 400 {@code invalid_request} (malformed JSON, duplicate members, wrong
 * types, bounds, a push stream), 413 (body too large), 415 (not JSON), 404 (no such stream, or
 * another receiver's), 409 (the stream is disabled), 503 (Kafka unavailable; retry). Thread-safe.
 */
public final class PollEndpoint {

  /** The route. */
  public static final String PATH = "/ssf/poll/{stream_id}";

  private static final Logger log = LoggerFactory.getLogger(PollEndpoint.class);
  private static final JsonMapper JSON =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();
  private static final int MAX_STREAM_ID = 256;
  private static final int MAX_JTI = 1024;
  private static final int MAX_ERR_TEXT = 4096;

  private final PollDelivery delivery;
  private final PollAuthentication authentication;
  private final Limits limits;

  /**
   * Limits on one poll request.
   *
   * @param maxBodyBytes the largest body accepted
   * @param maxAcks the most {@code jti}s one request may acknowledge or report, together
   * @param defaultMaxEvents the SETs returned at most when the request does not say
   */
  public record Limits(int maxBodyBytes, int maxAcks, int defaultMaxEvents) {
    public Limits {
      if (maxBodyBytes < 1 || maxAcks < 1 || defaultMaxEvents < 0) {
        throw new IllegalArgumentException("limits must be positive");
      }
    }
  }

  public PollEndpoint(PollDelivery delivery, PollAuthentication authentication, Limits limits) {
    this.delivery = requireNonNull(delivery, "delivery");
    this.authentication = requireNonNull(authentication, "authentication");
    this.limits = requireNonNull(limits, "limits");
    if (limits.defaultMaxEvents() > delivery.settings().maxEvents()) {
      throw new IllegalArgumentException("defaultMaxEvents is above maxEvents");
    }
  }

  /** Adds the route to a server's configuration. */
  public void configure(JavalinConfig config) {
    config.routes.post(PATH, this::poll);
  }

  void poll(Context ctx) throws InterruptedException {
    ctx.header("Cache-Control", "no-store");
    var receiver = authentication.authenticate(ctx);
    if (receiver.isEmpty()) {
      return;
    }
    String streamId = ctx.pathParam("stream_id");
    if (streamId.isBlank() || streamId.length() > MAX_STREAM_ID) {
      refuse(ctx, 404, "invalid_request", "no such stream");
      return;
    }
    PollRequest request;
    try {
      request = read(ctx);
    } catch (Refusal refusal) {
      refuse(ctx, refusal.status, "invalid_request", refusal.reason);
      return;
    }
    PollOutcome outcome;
    try {
      outcome = delivery.poll(receiver.get(), streamId, request);
    } catch (IllegalStateException e) {
      log.warn("Poll of stream {} failed: {}", streamId, e.getMessage());
      ctx.header("Retry-After", "1");
      refuse(ctx, 503, "temporarily_unavailable", "the stream cannot be read right now");
      return;
    }
    if (outcome instanceof PollOutcome.Delivered delivered) {
      answer(ctx, delivered);
    } else if (outcome instanceof PollOutcome.NotPolled) {
      refuse(ctx, 400, "invalid_request", "the stream is delivered by push, not poll");
    } else if (outcome instanceof PollOutcome.Disabled) {
      refuse(ctx, 409, "invalid_request", "the stream is disabled");
    } else {
      refuse(ctx, 404, "invalid_request", "no such stream");
    }
  }

  private static void answer(Context ctx, PollOutcome.Delivered delivered) {
    ObjectNode body = JSON.createObjectNode();
    ObjectNode sets = body.putObject("sets");
    for (PollSet set : delivered.sets()) {
      sets.put(set.jti(), set.compact());
    }
    body.put("moreAvailable", delivered.moreAvailable());
    ctx.status(200).contentType("application/json").result(body.toString());
  }

  /** Answers with an RFC 7807 body that also carries RFC 8935's {@code err} and description. */
  static void refuse(Context ctx, int status, String err, String description) {
    ObjectNode body;
    try {
      body = (ObjectNode) JSON.readTree(ErrorFormat.PROBLEM.body(status, description));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    body.put("err", err).put("description", description);
    ctx.status(status)
        .header("Cache-Control", "no-store")
        .contentType(ErrorFormat.PROBLEM.contentType())
        .result(body.toString());
  }

  private PollRequest read(Context ctx) throws Refusal {
    byte[] bytes = body(ctx);
    if (bytes.length == 0) {
      return new PollRequest(Set.of(), Map.of(), limits.defaultMaxEvents(), false);
    }
    String type = ctx.header("Content-Type");
    if (type == null
        || !type.toLowerCase(Locale.ROOT).strip().matches("application/json\\s*(;.*)?")) {
      throw new Refusal(415, "the body must be application/json");
    }
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (IOException e) {
      throw new Refusal(400, "the body is not well-formed JSON");
    }
    if (root == null || !root.isObject()) {
      throw new Refusal(400, "the body must be a JSON object");
    }
    Set<String> ack = new LinkedHashSet<>();
    JsonNode acks = root.get("ack");
    if (acks != null) {
      if (!acks.isArray()) {
        throw new Refusal(400, "ack must be an array of jti strings");
      }
      for (JsonNode jti : acks) {
        ack.add(jti(jti, "ack"));
      }
    }
    Map<String, PollRequest.SetError> errs = new LinkedHashMap<>();
    JsonNode setErrs = root.get("setErrs");
    if (setErrs != null) {
      if (!setErrs.isObject()) {
        throw new Refusal(400, "setErrs must be an object");
      }
      for (Map.Entry<String, JsonNode> entry : setErrs.properties()) {
        String jti = entry.getKey();
        if (jti.isEmpty() || jti.length() > MAX_JTI) {
          throw new Refusal(400, "setErrs has an invalid jti");
        }
        errs.put(jti, setError(entry.getValue()));
      }
    }
    if (ack.size() + errs.size() > limits.maxAcks()) {
      throw new Refusal(
          400, "at most " + limits.maxAcks() + " jtis per request in ack and setErrs");
    }
    for (String jti : errs.keySet()) {
      if (ack.contains(jti)) {
        throw new Refusal(400, "a jti is both in ack and in setErrs");
      }
    }
    int maxEvents = limits.defaultMaxEvents();
    JsonNode max = root.get("maxEvents");
    if (max != null) {
      if (!max.isIntegralNumber() || !max.canConvertToInt()) {
        throw new Refusal(400, "maxEvents must be an integer");
      }
      maxEvents = max.intValue();
      if (maxEvents < 0 || maxEvents > delivery.settings().maxEvents()) {
        throw new Refusal(
            400, "maxEvents must be between 0 and " + delivery.settings().maxEvents());
      }
    }
    boolean returnImmediately = false;
    JsonNode immediately = root.get("returnImmediately");
    if (immediately != null) {
      if (!immediately.isBoolean()) {
        throw new Refusal(400, "returnImmediately must be a boolean");
      }
      returnImmediately = immediately.booleanValue();
    }
    return new PollRequest(ack, errs, maxEvents, returnImmediately);
  }

  private static String jti(JsonNode node, String member) throws Refusal {
    if (!node.isTextual() || node.asText().isEmpty() || node.asText().length() > MAX_JTI) {
      throw new Refusal(400, member + " must hold non-empty jti strings");
    }
    return node.asText();
  }

  private static PollRequest.SetError setError(JsonNode node) throws Refusal {
    if (!node.isObject()) {
      throw new Refusal(400, "each setErrs entry must be an object with err");
    }
    JsonNode err = node.get("err");
    if (err == null
        || !err.isTextual()
        || err.asText().isBlank()
        || err.asText().length() > MAX_ERR_TEXT) {
      throw new Refusal(400, "each setErrs entry needs an err string");
    }
    JsonNode description = node.get("description");
    @Nullable String text = null;
    if (description != null && !description.isNull()) {
      if (!description.isTextual() || description.asText().length() > MAX_ERR_TEXT) {
        throw new Refusal(400, "a setErrs description must be a string");
      }
      text = description.asText();
    }
    return new PollRequest.SetError(err.asText(), text);
  }

  private byte[] body(Context ctx) throws Refusal {
    long declared = ctx.req().getContentLengthLong();
    if (declared > limits.maxBodyBytes()) {
      throw new Refusal(413, "the body is larger than " + limits.maxBodyBytes() + " bytes");
    }
    try (InputStream in = ctx.req().getInputStream()) {
      byte[] bytes = in.readNBytes(limits.maxBodyBytes() + 1);
      if (bytes.length > limits.maxBodyBytes()) {
        throw new Refusal(413, "the body is larger than " + limits.maxBodyBytes() + " bytes");
      }
      return bytes;
    } catch (IOException e) {
      throw new Refusal(400, "the body could not be read");
    }
  }

  /** A request refused before it reaches the delivery. */
  private static final class Refusal extends Exception {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String reason;

    Refusal(int status, String reason) {
      super(reason, null, false, false);
      this.status = status;
      this.reason = reason;
    }
  }
}
