package io.tokenwatch.revocation.kafka;

import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.RevocationSelector;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.revocation.LiveRevocation;
import io.tokenwatch.revocation.LiveToken;
import io.tokenwatch.revocation.Reason;
import io.tokenwatch.revocation.RevocationRequest;
import io.tokenwatch.revocation.Selector;
import io.tokenwatch.revocation.SelectorKind;
import io.tokenwatch.schemas.revocation.SelectorRules;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Translation between the Avro events and the domain, with the semantic checks an event must pass
 * before the topology acts on it. A check that fails throws {@link InvalidEventException}, which
 * the decoding step turns into a dead letter.
 */
final class Events {

  private Events() {}

  /** Thrown for an event that decodes but makes no sense. */
  static final class InvalidEventException
      extends io.tokenwatch.schemas.streams.InvalidEventException {
    private static final long serialVersionUID = 1L;

    InvalidEventException(String message) {
      super(message);
    }

    InvalidEventException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  static LiveToken liveToken(TokenIssued event) {
    requireText(event.getEventId(), "event_id");
    try {
      return new LiveToken(
          event.getTokenId(),
          event.getSubject(),
          event.getClientId(),
          event.getGrantId(),
          event.getGrantType().name(),
          event.getParentTokenId(),
          event.getLineage(),
          event.getAudience(),
          event.getIssuedAt(),
          event.getExpiresAt(),
          event.getMaxUses(),
          event.getScopes());
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new InvalidEventException(
          "invalid TokenIssued " + event.getEventId() + ": " + e.getMessage(), e);
    }
  }

  static void checkTokenIssued(@Nullable String key, TokenIssued event) {
    liveToken(event);
    requireKey(key, event.getTokenId(), "token_id");
  }

  static void checkTokenUsed(@Nullable String key, TokenUsed event) {
    requireText(event.getEventId(), "event_id");
    requireText(event.getValidatorId(), "validator_id");
    if (event.getUseCount() < 0) {
      throw new InvalidEventException("use_count must not be negative, was " + event.getUseCount());
    }
    if (event.getMaxUses() != null && event.getMaxUses() < 0) {
      throw new InvalidEventException("max_uses must not be negative, was " + event.getMaxUses());
    }
    String tokenId = event.getTokenId();
    if (tokenId != null) {
      requireText(tokenId, "token_id");
      requireKey(key, tokenId, "token_id");
    }
  }

  static void checkRevocationRequested(RevocationRequested event) {
    request(event);
  }

  /** The feed key a (checked) request's selector names. */
  static String feedKey(RevocationRequested event) {
    return request(event).selector().key();
  }

  static RevocationRequest request(RevocationRequested event) {
    requireText(event.getEventId(), "event_id");
    requireText(event.getRequestedBy(), "requested_by");
    RevocationSelector selector = event.getSelector();
    Instant issuedBefore = selector.getIssuedBefore();
    // The issuer refuses what these rules refuse before recording anything, so a request that
    // fails them here came from another writer; it becomes a dead letter, never a partial effect.
    List<SelectorRules.Violation> violations =
        SelectorRules.check(
            selector.getKind(), selector.getValue(), issuedBefore, event.getOccurredAt());
    if (!violations.isEmpty()) {
      throw new InvalidEventException(
          "revocation request breaks the selector rules: "
              + violations.stream()
                  .map(SelectorRules.Violation::toString)
                  .collect(Collectors.joining("; ")));
    }
    return new RevocationRequest(
        new Selector(SelectorKind.valueOf(selector.getKind().name()), selector.getValue()),
        issuedBefore,
        Reason.valueOf(event.getReason().name()),
        event.getRequestedBy(),
        event.getEventId(),
        event.getOccurredAt(),
        event.getDetail(),
        event.getForgetAfter(),
        null);
  }

  /**
   * The feed record of a revocation. Its event id is derived from what it says, so reprocessing
   * after a failure writes the same id.
   */
  static Revocation feedRecord(LiveRevocation revocation) {
    Selector selector = revocation.selector();
    String identity =
        selector.key()
            + "|"
            + revocation.issuedBefore()
            + "|"
            + revocation.forgetAfter()
            + "|"
            + revocation.sourceEventId();
    return Revocation.newBuilder()
        .setEventId(UUID.nameUUIDFromBytes(identity.getBytes(StandardCharsets.UTF_8)).toString())
        .setOccurredAt(revocation.occurredAt())
        .setSelector(
            RevocationSelector.newBuilder()
                .setKind(io.tokenwatch.events.SelectorKind.valueOf(selector.kind().name()))
                .setValue(selector.value())
                .setIssuedBefore(revocation.issuedBefore())
                .build())
        .setReason(RevocationReason.valueOf(revocation.reason().name()))
        .setRequestedBy(revocation.requestedBy())
        .setSourceEventId(revocation.sourceEventId())
        .setForgetAfter(revocation.forgetAfter())
        .setDetail(revocation.detail())
        .setUseCount(revocation.useCount())
        .build();
  }

  /** The domain view of a feed record, for introspection. */
  static LiveRevocation fromFeed(Revocation record) {
    RevocationSelector selector = record.getSelector();
    return new LiveRevocation(
        new Selector(SelectorKind.valueOf(selector.getKind().name()), selector.getValue()),
        selector.getIssuedBefore(),
        record.getForgetAfter(),
        Reason.valueOf(record.getReason().name()),
        record.getRequestedBy(),
        record.getSourceEventId(),
        record.getOccurredAt(),
        record.getDetail(),
        record.getUseCount());
  }

  private static void requireText(@Nullable String value, String field) {
    if (value == null || value.isBlank()) {
      throw new InvalidEventException(field + " is missing or blank");
    }
  }

  private static void requireKey(@Nullable String key, String expected, String field) {
    if (!expected.equals(key)) {
      // A key other than the token id lands on another partition than the token's state.
      throw new InvalidEventException(
          "record key " + (key == null ? "null" : "'" + key + "'") + " is not the " + field);
    }
  }

  static List<String> scopes(LiveToken token) {
    return token.scopes();
  }
}
