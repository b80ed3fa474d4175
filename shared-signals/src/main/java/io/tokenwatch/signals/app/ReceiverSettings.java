package io.tokenwatch.signals.app;

import io.tokenwatch.schemas.config.ConfigValidators;
import io.tokenwatch.schemas.config.ConfigValues;
import io.tokenwatch.signals.receiver.ReceiverPolicy;
import io.tokenwatch.signals.receiver.SubjectMapping;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigException;

/** The receiver of an upstream transmitter: its issuer, keys, audience and how SETs arrive. */
final class ReceiverSettings {

  static final String PREFIX = "signals.receiver.";
  static final String ISSUER = PREFIX + "issuer";
  static final String JWKS_URL = PREFIX + "jwks-url";
  static final String AUDIENCE = PREFIX + "audience";
  static final String ALGORITHMS = PREFIX + "algorithms";
  static final String MAX_AGE = PREFIX + "max-age";
  static final String CLOCK_SKEW = PREFIX + "clock-skew";
  static final String MAX_BYTES = PREFIX + "max-bytes";
  static final String SUBJECT_FORMATS = PREFIX + "subject-formats";
  static final String SUBJECT_ISSUER = PREFIX + "subject-issuer";
  static final String REPLAY_CACHE_SIZE = PREFIX + "replay-cache-size";
  static final String JWKS_MIN_REFRESH = PREFIX + "jwks.min-refresh";
  static final String JWKS_MAX_AGE = PREFIX + "jwks.max-age";
  static final String PUSH_SECRET_SHA256 = PREFIX + "push.secret-sha256";
  static final String POLL_URL = PREFIX + "poll-url";
  static final String POLL_AUTHORIZATION = PREFIX + "poll.authorization";
  static final String POLL_MAX_EVENTS = PREFIX + "poll.max-events";
  static final String POLL_RETURN_IMMEDIATELY = PREFIX + "poll.return-immediately";
  static final String POLL_INTERVAL = PREFIX + "poll.interval";
  static final String POLL_TIMEOUT = PREFIX + "poll.timeout";
  static final String PRODUCE_TIMEOUT = PREFIX + "produce-timeout";

  private ReceiverSettings() {}

  /**
   * The typed settings of an enabled receiver.
   *
   * @param policy what every SET must satisfy
   * @param jwksUrl the upstream's key set
   * @param jwksMinRefresh at most one key fetch per this interval
   * @param jwksMaxAge keys are fetched again when older
   * @param replayCacheSize most {@code jti}s remembered
   * @param pushSecretSha256 SHA-256 of the push bearer secret as hex; empty refuses every push
   * @param poll how to poll the upstream, when it is polled
   * @param produceTimeout how long a revocation request may take to become durable
   */
  record Receiver(
      ReceiverPolicy policy,
      URI jwksUrl,
      Duration jwksMinRefresh,
      Duration jwksMaxAge,
      int replayCacheSize,
      Optional<String> pushSecretSha256,
      Optional<Poll> poll,
      Duration produceTimeout) {}

  /**
   * Polling (RFC 8936) settings.
   *
   * @param url the upstream's poll endpoint for this stream
   * @param authorization the Authorization header value sent, when set
   * @param maxEvents {@code maxEvents} of each request
   * @param returnImmediately {@code returnImmediately} of each request
   * @param interval pause between polls that return immediately, and after a failed poll
   * @param timeout HTTP timeout of one poll (longer than the upstream's long-poll wait)
   */
  record Poll(
      URI url,
      Optional<String> authorization,
      int maxEvents,
      boolean returnImmediately,
      Duration interval,
      Duration timeout) {
    @Override
    public String toString() {
      return "Poll[url="
          + url
          + ", authorization="
          + (authorization.isPresent() ? "[hidden]" : "none")
          + ", maxEvents="
          + maxEvents
          + ", returnImmediately="
          + returnImmediately
          + "]";
    }
  }

  /**
   * The receiver's settings, or empty when {@value #ISSUER} is not set (the receiver is off).
   *
   * @throws ConfigException listing every problem of an enabled receiver's settings
   */
  static Optional<Receiver> of(ConfigValues values) {
    Optional<String> issuer = values.nonBlank(ISSUER);
    if (issuer.isEmpty()) {
      return Optional.empty();
    }
    List<String> problems = new ArrayList<>();
    Optional<String> jwks = values.nonBlank(JWKS_URL);
    Optional<String> audience = values.nonBlank(AUDIENCE);
    if (jwks.isEmpty()) {
      problems.add(JWKS_URL + " is required when " + ISSUER + " is set");
    }
    if (audience.isEmpty()) {
      problems.add(AUDIENCE + " is required when " + ISSUER + " is set");
    }
    Optional<String> pollUrl = values.nonBlank(POLL_URL);
    boolean pushable = values.password(PUSH_SECRET_SHA256).isPresent();
    if (pollUrl.isEmpty() && !pushable) {
      problems.add(
          "an enabled receiver needs " + POLL_URL + " or " + PUSH_SECRET_SHA256 + " (or both)");
    }
    Duration maxAge = values.duration(MAX_AGE);
    Duration jwksMinRefresh = values.duration(JWKS_MIN_REFRESH);
    Duration jwksMaxAge = values.duration(JWKS_MAX_AGE);
    if (jwksMaxAge.compareTo(jwksMinRefresh) < 0) {
      problems.add(JWKS_MAX_AGE + " must be at least " + JWKS_MIN_REFRESH);
    }
    if (!problems.isEmpty()) {
      throw new ConfigException("Receiver configuration: " + String.join("; ", problems));
    }
    Set<SubjectMapping.Format> formats = new LinkedHashSet<>();
    values.list(SUBJECT_FORMATS).forEach(name -> formats.add(SubjectMapping.Format.of(name)));
    ReceiverPolicy policy =
        new ReceiverPolicy(
            issuer.get(),
            audience.orElseThrow(),
            Set.copyOf(values.list(ALGORITHMS)),
            maxAge,
            values.duration(CLOCK_SKEW),
            values.intValue(MAX_BYTES),
            new SubjectMapping(formats, values.nonBlank(SUBJECT_ISSUER).orElse(issuer.get())));
    Optional<Poll> poll =
        pollUrl.map(
            url ->
                new Poll(
                    URI.create(url),
                    values.password(POLL_AUTHORIZATION).map(p -> p.value()),
                    values.intValue(POLL_MAX_EVENTS),
                    values.bool(POLL_RETURN_IMMEDIATELY),
                    values.duration(POLL_INTERVAL),
                    values.duration(POLL_TIMEOUT)));
    return Optional.of(
        new Receiver(
            policy,
            URI.create(jwks.orElseThrow()),
            jwksMinRefresh,
            jwksMaxAge,
            values.intValue(REPLAY_CACHE_SIZE),
            values.password(PUSH_SECRET_SHA256).map(p -> p.value().toLowerCase(Locale.ROOT)),
            poll,
            values.duration(PRODUCE_TIMEOUT)));
  }

  /** Declares this part's keys. */
  static ConfigDef define(ConfigDef def) {
    return def.define(
            ISSUER,
            ConfigDef.Type.STRING,
            "",
            ConfigValidators.emptyOr(ConfigValidators.nonBlank()),
            Importance.HIGH,
            "The upstream transmitter's issuer, exactly as in the iss of its SETs. Empty: the"
                + " receiver is off.")
        .define(
            JWKS_URL,
            ConfigDef.Type.STRING,
            "",
            ConfigValidators.emptyOr(ConfigValidators.httpUrl()),
            Importance.HIGH,
            "The upstream's JWKS (its SSF metadata's jwks_uri); required when the receiver is on.")
        .define(
            AUDIENCE,
            ConfigDef.Type.STRING,
            "",
            ConfigDef.LambdaValidator.with((name, value) -> {}, () -> "any"),
            Importance.HIGH,
            "The audience the upstream puts in aud of this stream's SETs (the stream's aud);"
                + " required when the receiver is on.")
        .define(
            ALGORITHMS,
            ConfigDef.Type.LIST,
            "RS256,PS256,ES256,EdDSA",
            ConfigValidators.parsedBy(
                "asymmetric JWS algorithms",
                alg -> {
                  if (!ReceiverPolicy.ASYMMETRIC.contains(alg)) {
                    throw new IllegalArgumentException(
                        "'" + alg + "' is not one of " + ReceiverPolicy.ASYMMETRIC);
                  }
                }),
            Importance.MEDIUM,
            "JWS algorithms accepted on SETs; only asymmetric ones (never none nor HMAC).")
        .define(
            MAX_AGE,
            ConfigDef.Type.STRING,
            "24h",
            ConfigValidators.duration(Duration.ofSeconds(10)),
            Importance.MEDIUM,
            "Oldest iat accepted; a SET older than that is refused (and dead-lettered). Long"
                + " enough for the upstream's retries after an outage.")
        .define(
            CLOCK_SKEW,
            ConfigDef.Type.STRING,
            "60s",
            ConfigValidators.duration(Duration.ZERO),
            Importance.LOW,
            "How far in the future iat and event_timestamp may be.")
        .define(
            MAX_BYTES,
            ConfigDef.Type.INT,
            65536,
            ConfigDef.Range.between(256, 1 << 20),
            Importance.LOW,
            "Largest SET accepted, in bytes, pushed or polled.")
        .define(
            SUBJECT_FORMATS,
            ConfigDef.Type.LIST,
            "iss_sub",
            ConfigValidators.parsedBy("iss_sub, email", SubjectMapping.Format::of),
            Importance.HIGH,
            "Subject formats mapped to a Tokenwatch sub: iss_sub (its sub, when its iss is the"
                + " subject issuer) and/or email (the address). Complex subjects use their user.")
        .define(
            SUBJECT_ISSUER,
            ConfigDef.Type.STRING,
            "",
            ConfigDef.LambdaValidator.with((name, value) -> {}, () -> "any"),
            Importance.MEDIUM,
            "The iss of iss_sub subjects whose sub is a Tokenwatch sub; the upstream issuer when"
                + " empty.")
        .define(
            REPLAY_CACHE_SIZE,
            ConfigDef.Type.INT,
            100_000,
            ConfigDef.Range.atLeast(1),
            Importance.LOW,
            "Most SET ids (jti) remembered to recognize a SET sent again.")
        .define(
            JWKS_MIN_REFRESH,
            ConfigDef.Type.STRING,
            "30s",
            ConfigValidators.duration(Duration.ZERO),
            Importance.LOW,
            "At most one fetch of the upstream's keys per this interval, however many unknown"
                + " kids arrive.")
        .define(
            JWKS_MAX_AGE,
            ConfigDef.Type.STRING,
            "1h",
            ConfigValidators.duration(Duration.ofSeconds(1)),
            Importance.LOW,
            "The upstream's keys are fetched again when older than this.")
        .define(
            PUSH_SECRET_SHA256,
            ConfigDef.Type.PASSWORD,
            null,
            ConfigValidators.sha256HexSecret(),
            Importance.HIGH,
            "SHA-256 (64 hex digits) of the bearer secret the upstream presents on push. Unset:"
                + " every push is refused. Never logged.")
        .define(
            POLL_URL,
            ConfigDef.Type.STRING,
            "",
            ConfigValidators.emptyOr(ConfigValidators.httpUrl()),
            Importance.HIGH,
            "The upstream's poll endpoint for this stream (RFC 8936); empty: not polled.")
        .define(
            POLL_AUTHORIZATION,
            ConfigDef.Type.PASSWORD,
            null,
            ConfigDef.LambdaValidator.with((name, value) -> {}, () -> "any"),
            Importance.HIGH,
            "The Authorization header value sent when polling, e.g. 'Bearer <token>'. Never"
                + " logged.")
        .define(
            POLL_MAX_EVENTS,
            ConfigDef.Type.INT,
            100,
            ConfigDef.Range.between(1, 10_000),
            Importance.LOW,
            "maxEvents of each poll request.")
        .define(
            POLL_RETURN_IMMEDIATELY,
            ConfigDef.Type.BOOLEAN,
            false,
            Importance.LOW,
            "returnImmediately of each poll request: false long-polls, true polls every"
                + " poll.interval.")
        .define(
            POLL_INTERVAL,
            ConfigDef.Type.STRING,
            "5s",
            ConfigValidators.duration(Duration.ofMillis(10)),
            Importance.LOW,
            "Pause between polls that return immediately with nothing more available, and after"
                + " a failed poll.")
        .define(
            POLL_TIMEOUT,
            ConfigDef.Type.STRING,
            "60s",
            ConfigValidators.duration(Duration.ofSeconds(1)),
            Importance.LOW,
            "HTTP timeout of one poll request; longer than the upstream holds a long poll.")
        .define(
            PRODUCE_TIMEOUT,
            ConfigDef.Type.STRING,
            "10s",
            ConfigValidators.duration(Duration.ofMillis(100)),
            Importance.LOW,
            "How long a revocation request may take to become durable before the SET is"
                + " answered 503 (push) or left unacknowledged (poll).");
  }
}
