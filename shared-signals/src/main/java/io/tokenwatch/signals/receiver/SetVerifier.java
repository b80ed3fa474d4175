package io.tokenwatch.signals.receiver;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import io.tokenwatch.signals.EventType;
import io.tokenwatch.signals.SubjectId;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Verifies Security Event Tokens (RFC 8417) from the upstream transmitter the way Tokenwatch acts
 * on them, refusing what is malformed, unverifiable, stale or ambiguous:
 *
 * <ol>
 *   <li>at most {@link ReceiverPolicy#maxBytes()} bytes of UTF-8, a JWS in compact serialization
 *       (three base64url parts, no unsecured or encrypted tokens);
 *   <li>header and payload JSON objects without duplicate members;
 *   <li>{@code alg} on the allow-list (never {@code none} nor HMAC); {@code typ} {@code
 *       secevent+jwt} or {@code application/secevent+jwt}; no {@code crit};
 *   <li>signature by the upstream key {@code kid} names, of a type fitting {@code alg};
 *   <li>{@code iss} equal to the upstream issuer, {@code aud} containing the audience;
 *   <li>{@code iat} within {@link ReceiverPolicy#maxAge()} and not beyond the clock skew in the
 *       future; an {@code exp}, when present, not passed; a {@code jti};
 *   <li>exactly one event in {@code events}; types Tokenwatch does not act on are {@link
 *       Verdict.Ignored ignored};
 *   <li>for the others a subject ({@code sub_id}, or the event's {@code subject}; both only when
 *       equal) that the {@link SubjectMapping} maps, and an {@code event_timestamp}, when present,
 *       not in the future.
 * </ol>
 *
 * <p>It does not know which SETs were seen before: {@link SignalReceiver} does. Thread-safe.
 */
public final class SetVerifier {

  /** Longest {@code jti} accepted. */
  public static final int MAX_JTI_LENGTH = 256;

  private static final Pattern BASE64URL = Pattern.compile("[A-Za-z0-9_-]*");
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .build();

  private final ReceiverPolicy policy;
  private final UpstreamKeys keys;

  public SetVerifier(ReceiverPolicy policy, UpstreamKeys keys) {
    this.policy = requireNonNull(policy, "policy");
    this.keys = requireNonNull(keys, "keys");
  }

  /** The policy SETs are checked against. */
  public ReceiverPolicy policy() {
    return policy;
  }

  /**
   * Checks one SET as received.
   *
   * @param body the request body or the poll response's SET, as bytes
   * @param now the current time
   * @return {@link Verdict.Accepted} (not yet durable), {@link Verdict.Ignored} or {@link
   *     Verdict.Refused}
   */
  public Verdict verify(byte[] body, Instant now) {
    requireNonNull(body, "body");
    requireNonNull(now, "now");
    return new Check(body, now).run();
  }

  /** SHA-256 of {@code body}, hex. */
  static String digest(byte[] body) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  /** Thrown inside a check to refuse; carries what is known of the SET so far. */
  private static final class Refusal extends Exception {
    private static final long serialVersionUID = 1L;
    final RefusalReason reason;
    final String description;

    Refusal(RefusalReason reason, String description) {
      super(description, null, false, false);
      this.reason = reason;
      this.description = description;
    }
  }

  /** One verification, keeping the {@code jti} and {@code iss} read so far for the refusal. */
  private final class Check {
    private final byte[] body;
    private final Instant now;
    private @Nullable String jti;
    private @Nullable String issuer;

    Check(byte[] body, Instant now) {
      this.body = body;
      this.now = now;
    }

    Verdict run() {
      try {
        return verified();
      } catch (Refusal refusal) {
        return new Verdict.Refused(refusal.reason, refusal.description, jti, issuer);
      }
    }

    private Verdict verified() throws Refusal {
      if (body.length > policy.maxBytes()) {
        throw new Refusal(
            RefusalReason.OVERSIZED,
            "the SET is larger than the " + policy.maxBytes() + " bytes accepted");
      }
      String text = utf8(body);
      String[] parts = text.split("\\.", -1);
      if (parts.length == 5) {
        throw new Refusal(RefusalReason.MALFORMED, "encrypted SETs are not accepted");
      }
      if (parts.length != 3) {
        throw new Refusal(RefusalReason.MALFORMED, "not a JWS in compact serialization");
      }
      ObjectNode header = object(parts[0], "header");
      // The payload is read before the signature is checked only to name jti and iss in a
      // refusal; nothing in it is trusted until the signature verifies.
      try {
        ObjectNode unverified = object(parts[1], "payload");
        jti = textOrNull(unverified.get("jti"));
        issuer = textOrNull(unverified.get("iss"));
      } catch (Refusal unreadable) {
        // reported below, after the header's checks
      }
      checkHeader(header);
      ObjectNode claims = object(parts[1], "payload");
      if (parts[2].isEmpty() || !BASE64URL.matcher(parts[2]).matches()) {
        throw new Refusal(RefusalReason.MALFORMED, "the signature is empty or not base64url");
      }
      checkSignature(text, header);
      return checkClaims(claims);
    }

    private void checkHeader(ObjectNode header) throws Refusal {
      JsonNode alg = header.get("alg");
      if (alg == null || !alg.isTextual()) {
        throw new Refusal(RefusalReason.ALGORITHM_NOT_ALLOWED, "the header has no alg");
      }
      if (!policy.algorithms().contains(alg.asText())) {
        throw new Refusal(
            RefusalReason.ALGORITHM_NOT_ALLOWED,
            "alg "
                + SignalReceiver.printable(alg.asText())
                + " is not accepted; accepted: "
                + policy.algorithms());
      }
      JsonNode typ = header.get("typ");
      if (typ == null
          || !typ.isTextual()
          || !(typ.asText().equalsIgnoreCase("secevent+jwt")
              || typ.asText().equalsIgnoreCase("application/secevent+jwt"))) {
        throw new Refusal(
            RefusalReason.WRONG_TYPE,
            "typ must be secevent+jwt, was "
                + (typ == null ? "absent" : SignalReceiver.printable(typ.toString())));
      }
      if (header.has("crit")) {
        throw new Refusal(
            RefusalReason.CRITICAL_HEADER, "critical header parameters are not understood");
      }
      JsonNode kid = header.get("kid");
      if (kid == null || !kid.isTextual() || kid.asText().isBlank()) {
        throw new Refusal(RefusalReason.UNKNOWN_KEY, "the header names no kid");
      }
    }

    private void checkSignature(String text, ObjectNode header) throws Refusal {
      String alg = header.get("alg").asText();
      String kid = header.get("kid").asText();
      JWK key =
          keys.find(kid)
              .orElseThrow(
                  () ->
                      new Refusal(
                          RefusalReason.UNKNOWN_KEY,
                          "the upstream has no key with kid " + SignalReceiver.printable(kid)));
      if (key.getAlgorithm() != null && !key.getAlgorithm().getName().equals(alg)) {
        throw new Refusal(
            RefusalReason.ALGORITHM_NOT_ALLOWED,
            "key " + kid + " is for " + key.getAlgorithm().getName() + ", not " + alg);
      }
      JWSObject jws;
      try {
        jws = JWSObject.parse(text);
      } catch (ParseException e) {
        throw new Refusal(RefusalReason.MALFORMED, "not a JWS: " + e.getMessage());
      }
      JWSVerifier verifier = verifier(key, JWSAlgorithm.parse(alg));
      try {
        if (!jws.verify(verifier)) {
          throw new Refusal(RefusalReason.BAD_SIGNATURE, "the signature does not verify");
        }
      } catch (JOSEException | IllegalStateException e) {
        throw new Refusal(RefusalReason.BAD_SIGNATURE, "the signature does not verify");
      }
    }

    private JWSVerifier verifier(JWK key, JWSAlgorithm alg) throws Refusal {
      try {
        JWSVerifier verifier = null;
        if (key instanceof RSAKey rsa && JWSAlgorithm.Family.RSA.contains(alg)) {
          verifier = new RSASSAVerifier(rsa);
        } else if (key instanceof ECKey ec && JWSAlgorithm.Family.EC.contains(alg)) {
          verifier = new ECDSAVerifier(ec);
        } else if (key instanceof OctetKeyPair okp
            && Curve.Ed25519.equals(okp.getCurve())
            && (alg.equals(JWSAlgorithm.EdDSA) || alg.equals(JWSAlgorithm.Ed25519))) {
          verifier = new Ed25519Verifier(okp);
        }
        if (verifier == null || !verifier.supportedJWSAlgorithms().contains(alg)) {
          throw new Refusal(
              RefusalReason.ALGORITHM_NOT_ALLOWED,
              "key " + key.getKeyID() + " (" + key.getKeyType() + ") cannot verify " + alg);
        }
        return verifier;
      } catch (JOSEException e) {
        throw new Refusal(
            RefusalReason.UNKNOWN_KEY, "key " + key.getKeyID() + " is unusable: " + e.getMessage());
      }
    }

    private Verdict checkClaims(ObjectNode claims) throws Refusal {
      if (issuer == null || !issuer.equals(policy.issuer())) {
        throw new Refusal(RefusalReason.WRONG_ISSUER, "iss must be the configured upstream issuer");
      }
      checkAudience(claims.get("aud"));
      Instant issuedAt =
          time(claims.get("iat"))
              .orElseThrow(
                  () -> new Refusal(RefusalReason.MISSING_IAT, "iat must be a number of seconds"));
      if (issuedAt.isBefore(now.minus(policy.maxAge()))) {
        throw new Refusal(
            RefusalReason.STALE, "iat is older than " + policy.maxAge().toSeconds() + " s");
      }
      if (issuedAt.isAfter(now.plus(policy.clockSkew()))) {
        throw new Refusal(RefusalReason.FROM_THE_FUTURE, "iat is in the future");
      }
      if (claims.has("exp")) {
        Instant expires =
            time(claims.get("exp"))
                .orElseThrow(
                    () -> new Refusal(RefusalReason.MALFORMED, "exp must be a number of seconds"));
        if (!expires.isAfter(now.minus(policy.clockSkew()))) {
          throw new Refusal(RefusalReason.STALE, "the SET has expired (exp)");
        }
      }
      String id = jti;
      if (id == null || id.isBlank() || id.length() > MAX_JTI_LENGTH) {
        throw new Refusal(
            RefusalReason.MISSING_JTI,
            "jti must be a non-blank string of at most " + MAX_JTI_LENGTH + " characters");
      }
      JsonNode events = claims.get("events");
      if (events == null || !events.isObject() || events.size() != 1) {
        throw new Refusal(
            RefusalReason.EVENT_COUNT,
            "events must be an object with exactly one event, had "
                + (events == null || !events.isObject() ? "none" : events.size()));
      }
      Map.Entry<String, JsonNode> event = events.properties().iterator().next();
      if (!event.getValue().isObject()) {
        throw new Refusal(RefusalReason.BAD_EVENT, "the event's payload must be an object");
      }
      Optional<EventType> type = EventType.ofUri(event.getKey());
      if (type.isEmpty() || !RevocationOrder.revokes(type.get())) {
        return new Verdict.Ignored(id, event.getKey());
      }
      ObjectNode payload = (ObjectNode) event.getValue();
      String subject = subject(claims.get("sub_id"), payload.get("subject"));
      Instant eventTime = issuedAt;
      if (payload.has("event_timestamp")) {
        eventTime =
            time(payload.get("event_timestamp"))
                .orElseThrow(
                    () ->
                        new Refusal(
                            RefusalReason.BAD_EVENT,
                            "event_timestamp must be a number of seconds"));
        if (eventTime.isAfter(now.plus(policy.clockSkew()))) {
          throw new Refusal(RefusalReason.FROM_THE_FUTURE, "event_timestamp is in the future");
        }
      }
      ReceivedSignal signal =
          new ReceivedSignal(id, issuer, type.get(), subject, issuedAt, eventTime, digest(body));
      return new Verdict.Accepted(signal, RevocationOrder.of(signal));
    }

    private void checkAudience(@Nullable JsonNode aud) throws Refusal {
      boolean contains = false;
      if (aud != null && aud.isTextual()) {
        contains = aud.asText().equals(policy.audience());
      } else if (aud != null && aud.isArray()) {
        for (JsonNode member : aud) {
          if (!member.isTextual()) {
            throw new Refusal(RefusalReason.WRONG_AUDIENCE, "aud must hold strings only");
          }
          contains |= member.asText().equals(policy.audience());
        }
      }
      if (!contains) {
        throw new Refusal(
            RefusalReason.WRONG_AUDIENCE, "aud does not contain " + policy.audience());
      }
    }

    private String subject(@Nullable JsonNode subId, @Nullable JsonNode eventSubject)
        throws Refusal {
      SubjectId fromClaim = subjectId(subId, "sub_id");
      SubjectId fromEvent = subjectId(eventSubject, "subject");
      if (fromClaim != null && fromEvent != null && !fromClaim.equals(fromEvent)) {
        throw new Refusal(
            RefusalReason.BAD_SUBJECT, "sub_id and the event's subject name different subjects");
      }
      SubjectId subject = fromClaim != null ? fromClaim : fromEvent;
      if (subject == null) {
        throw new Refusal(RefusalReason.BAD_SUBJECT, "the SET names no subject (sub_id)");
      }
      return policy
          .subjects()
          .map(subject)
          .orElseThrow(
              () ->
                  new Refusal(
                      RefusalReason.UNMAPPABLE_SUBJECT,
                      "no Tokenwatch subject is configured for a subject of format "
                          + subject.toJson().get("format")));
    }

    private @Nullable SubjectId subjectId(@Nullable JsonNode node, String name) throws Refusal {
      if (node == null) {
        return null;
      }
      if (!node.isObject()) {
        throw new Refusal(RefusalReason.BAD_SUBJECT, name + " must be an object");
      }
      try {
        @SuppressWarnings("unchecked")
        Map<String, Object> json = JSON.convertValue(node, Map.class);
        return SubjectId.fromJson(json);
      } catch (IllegalArgumentException e) {
        throw new Refusal(RefusalReason.BAD_SUBJECT, name + ": " + e.getMessage());
      }
    }

    private Optional<Instant> time(@Nullable JsonNode node) {
      if (node == null || !node.isNumber()) {
        return Optional.empty();
      }
      double seconds = node.asDouble();
      if (!Double.isFinite(seconds) || seconds < 0 || seconds > 253_402_300_799d) {
        return Optional.empty();
      }
      return Optional.of(Instant.ofEpochMilli((long) Math.floor(seconds * 1000)));
    }

    private ObjectNode object(String part, String what) throws Refusal {
      if (part.isEmpty() || !BASE64URL.matcher(part).matches()) {
        throw new Refusal(RefusalReason.MALFORMED, "the " + what + " is empty or not base64url");
      }
      byte[] decoded;
      try {
        decoded = Base64.getUrlDecoder().decode(part);
      } catch (IllegalArgumentException e) {
        throw new Refusal(RefusalReason.MALFORMED, "the " + what + " is not base64url");
      }
      JsonNode node;
      try (JsonParser parser = JSON.createParser(utf8(decoded))) {
        node = JSON.readTree(parser);
      } catch (StreamConstraintsException e) {
        throw new Refusal(RefusalReason.MALFORMED, "the " + what + " is too deeply nested");
      } catch (JsonProcessingException e) {
        if (e.getMessage() != null && e.getMessage().startsWith("Duplicate field")) {
          throw new Refusal(
              RefusalReason.DUPLICATE_MEMBER,
              "the " + what + " has a member twice: " + e.getOriginalMessage());
        }
        throw new Refusal(RefusalReason.MALFORMED, "the " + what + " is not JSON");
      } catch (java.io.IOException e) {
        throw new Refusal(RefusalReason.MALFORMED, "the " + what + " is not JSON");
      }
      if (node == null || !node.isObject()) {
        throw new Refusal(RefusalReason.MALFORMED, "the " + what + " is not a JSON object");
      }
      return (ObjectNode) node;
    }

    private static String utf8(byte[] bytes) throws Refusal {
      try {
        return StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(bytes))
            .toString();
      } catch (CharacterCodingException e) {
        throw new Refusal(RefusalReason.MALFORMED, "not UTF-8");
      }
    }

    private static @Nullable String textOrNull(@Nullable JsonNode node) {
      return node != null && node.isTextual() ? node.asText() : null;
    }
  }
}
