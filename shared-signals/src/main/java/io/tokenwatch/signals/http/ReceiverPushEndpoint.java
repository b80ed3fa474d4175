package io.tokenwatch.signals.http;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.javalin.router.JavalinDefaultRoutingApi;
import io.tokenwatch.signals.receiver.ReceiverMetrics;
import io.tokenwatch.signals.receiver.SignalReceiver;
import io.tokenwatch.signals.receiver.SignalSink;
import io.tokenwatch.signals.receiver.Verdict;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The push endpoint of RFC 8935: {@code POST /ssf/receiver/events} with a SET as body ({@code
 * Content-Type: application/secevent+jwt}) and {@code Authorization: Bearer <secret>}.
 *
 * <ul>
 *   <li>202, empty: accepted (the revocation request is durable), a duplicate, or an event type
 *       Tokenwatch does not act on;
 *   <li>400 {@code {"err": ..., "description": ...}} (RFC 8935 section 2.3): the SET is refused,
 *       and dead-lettered; also for a wrong Content-Type;
 *   <li>401 {@code authentication_failed} with {@code WWW-Authenticate: Bearer}: no or a wrong
 *       secret (compared as SHA-256, in constant time);
 *   <li>503 {@code temporarily_unavailable} with {@code Retry-After}: Kafka did not take the
 *       request in time; the transmitter sends the SET again.
 * </ul>
 *
 * <p>At most the configured number of bytes is read; a larger body is refused as oversized.
 * Thread-safe.
 */
public final class ReceiverPushEndpoint {

  /** The endpoint's path. */
  public static final String PATH = "/ssf/receiver/events";

  /** The SET media type (RFC 8417 section 2.3). */
  public static final String MEDIA_TYPE = "application/secevent+jwt";

  private static final Logger log = LoggerFactory.getLogger(ReceiverPushEndpoint.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SignalReceiver receiver;
  private final ReceiverMetrics metrics;
  private final byte @Nullable [] secretSha256;
  private final int maxBytes;

  /**
   * @param secretSha256 SHA-256 of the bearer secret; null refuses every push
   * @param maxBytes the largest body read
   */
  public ReceiverPushEndpoint(
      SignalReceiver receiver,
      ReceiverMetrics metrics,
      byte @Nullable [] secretSha256,
      int maxBytes) {
    this.receiver = requireNonNull(receiver, "receiver");
    this.metrics = requireNonNull(metrics, "metrics");
    this.secretSha256 = secretSha256 == null ? null : secretSha256.clone();
    this.maxBytes = maxBytes;
  }

  /** Adds the endpoint to {@code routes}. */
  public void routes(JavalinDefaultRoutingApi routes) {
    routes.post(PATH, this::push);
  }

  private void push(Context ctx) throws IOException {
    if (!authenticated(ctx.header("Authorization"))) {
      metrics.count("push", "unauthenticated", "none");
      ctx.header("WWW-Authenticate", "Bearer realm=\"ssf-receiver\"");
      error(ctx, 401, "authentication_failed", "a valid bearer secret is required");
      return;
    }
    String contentType = ctx.header("Content-Type");
    if (contentType == null
        || !contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT).equals(MEDIA_TYPE)) {
      metrics.count("push", "rejected", "content_type");
      error(ctx, 400, "invalid_request", "Content-Type must be " + MEDIA_TYPE);
      return;
    }
    byte[] body;
    try (InputStream in = ctx.bodyInputStream()) {
      body = in.readNBytes(maxBytes + 1);
    }
    Verdict verdict;
    try {
      verdict = receiver.receive(body, "push");
    } catch (SignalSink.SinkUnavailableException e) {
      log.warn("Could not take a pushed SET now: {}", e.getMessage());
      ctx.header("Retry-After", "5");
      error(ctx, 503, "temporarily_unavailable", "try again later");
      return;
    }
    if (verdict instanceof Verdict.Refused refused) {
      error(ctx, 400, refused.reason().err(), refused.description());
      return;
    }
    ctx.status(202);
  }

  private boolean authenticated(@Nullable String authorization) {
    byte[] expected = secretSha256;
    if (expected == null
        || authorization == null
        || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    String secret = authorization.substring(7).trim();
    return !secret.isEmpty() && MessageDigest.isEqual(sha256(secret), expected);
  }

  private static byte[] sha256(String secret) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  private static void error(Context ctx, int status, String err, String description)
      throws IOException {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("err", err);
    body.put("description", description);
    ctx.status(status).contentType("application/json").result(JSON.writeValueAsBytes(body));
  }
}
