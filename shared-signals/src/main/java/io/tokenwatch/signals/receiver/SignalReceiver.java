package io.tokenwatch.signals.receiver;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.signals.EventType;
import java.time.Clock;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives one SET at a time, from push or poll: verifies it, hands the revocation request of an
 * accepted one to the {@link SignalSink} and waits until it is durable, dead-letters a refused one,
 * and remembers what it acted on so that the very same SET sent again (a lost acknowledgement) is
 * acknowledged without a second effect, while a different SET reusing a {@code jti} is refused.
 *
 * <p>A {@code jti} is remembered only after its request is durable: a SET whose request could not
 * be written is not acknowledged, and is acted on when sent again. Logs name a SET only by its
 * {@code jti} and {@code iss}. Thread-safe.
 */
public final class SignalReceiver {

  private static final Logger log = LoggerFactory.getLogger(SignalReceiver.class);

  private final SetVerifier verifier;
  private final SeenSets seen;
  private final SignalSink sink;
  private final ReceiverMetrics metrics;
  private final Clock clock;

  public SignalReceiver(
      SetVerifier verifier, SeenSets seen, SignalSink sink, ReceiverMetrics metrics, Clock clock) {
    this.verifier = requireNonNull(verifier, "verifier");
    this.seen = requireNonNull(seen, "seen");
    this.sink = requireNonNull(sink, "sink");
    this.metrics = requireNonNull(metrics, "metrics");
    this.clock = requireNonNull(clock, "clock");
  }

  /**
   * Handles one SET.
   *
   * @param set the SET's bytes as received
   * @param channel {@code push} or {@code poll}, for metrics and dead letters
   * @return the verdict; an {@link Verdict.Accepted} one's request is durable, a {@link
   *     Verdict.Refused} one is dead-lettered
   * @throws SignalSink.SinkUnavailableException when the request or the dead letter could not be
   *     written: the SET must not be acknowledged (push answers 503, poll does not ack it)
   */
  public Verdict receive(byte[] set, String channel) {
    requireNonNull(set, "set");
    requireNonNull(channel, "channel");
    Instant now = clock.instant();
    Verdict verdict = verifier.verify(set, now);
    try {
      if (verdict instanceof Verdict.Accepted accepted) {
        return accept(accepted, set, channel);
      }
      if (verdict instanceof Verdict.Ignored ignored) {
        return ignore(ignored, set, channel, now);
      }
      if (verdict instanceof Verdict.Refused refused) {
        return refuse(set, refused, channel);
      }
      return verdict;
    } catch (SignalSink.SinkUnavailableException e) {
      metrics.count(channel, "unavailable", "none");
      throw e;
    }
  }

  private Verdict ignore(Verdict.Ignored ignored, byte[] set, String channel, Instant now) {
    String digest = SetVerifier.digest(set);
    Optional<String> known = seen.digest(ignored.jti());
    if (known.isPresent() && !known.get().equals(digest)) {
      return refuse(set, replayed(ignored.jti()), channel);
    }
    seen.remember(ignored.jti(), digest, forgetAt(now));
    String type =
        EventType.ofUri(ignored.eventType())
            .map(t -> t.name().toLowerCase(Locale.ROOT))
            .orElse("unknown_type");
    metrics.count(channel, "ignored", type);
    log.info(
        "Acknowledged SET {} of type {}, which Tokenwatch does not act on",
        printable(ignored.jti()),
        printable(ignored.eventType()));
    return ignored;
  }

  private Verdict accept(Verdict.Accepted accepted, byte[] set, String channel) {
    ReceivedSignal signal = accepted.signal();
    Optional<String> known = seen.digest(signal.jti());
    if (known.isPresent()) {
      if (known.get().equals(signal.digest())) {
        metrics.count(channel, "duplicate", "none");
        log.info(
            "SET {} from {} received again; its request is already durable",
            signal.jti(),
            signal.issuer());
        return new Verdict.Duplicate(signal.jti());
      }
      return refuse(set, replayed(signal.jti()), channel);
    }
    sink.revoke(accepted.order());
    seen.remember(signal.jti(), signal.digest(), forgetAt(signal.issuedAt()));
    metrics.count(channel, "accepted", "none");
    log.info(
        "SET {} from {} ({}) revokes the tokens of a subject issued before {}",
        signal.jti(),
        signal.issuer(),
        signal.type().uri(),
        accepted.order().issuedBefore());
    return accepted;
  }

  private Verdict.Refused replayed(String jti) {
    return new Verdict.Refused(
        RefusalReason.REPLAYED_JTI,
        "jti " + jti + " was received before with different content",
        jti,
        verifier.policy().issuer());
  }

  private Verdict refuse(byte[] set, Verdict.Refused refused, String channel) {
    sink.refused(set, refused, channel);
    metrics.count(channel, "refused", refused.reason().tag());
    log.warn(
        "Refused SET jti={} iss={} via {}: {} ({})",
        printable(refused.jti()),
        printable(refused.issuer()),
        channel,
        refused.reason().err(),
        refused.description());
    return refused;
  }

  /**
   * A value read from an unverified SET, fit for a log line: control characters replaced, at most
   * 128 characters.
   */
  static String printable(@org.jspecify.annotations.Nullable String value) {
    if (value == null) {
      return "-";
    }
    String shortened = value.length() > 128 ? value.substring(0, 128) + "..." : value;
    return shortened.replaceAll("\\p{Cntrl}", "?");
  }

  /** Until a SET with this {@code iat} would be refused as stale anyway. */
  private Instant forgetAt(Instant issuedAt) {
    ReceiverPolicy policy = verifier.policy();
    return issuedAt.plus(policy.maxAge()).plus(policy.clockSkew());
  }
}
