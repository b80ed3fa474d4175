package io.tokenwatch.anomaly.kafka;

import io.tokenwatch.anomaly.DenyReason;
import io.tokenwatch.anomaly.IssuanceRefusal;
import io.tokenwatch.anomaly.TokenGrant;
import io.tokenwatch.anomaly.TokenUse;
import io.tokenwatch.anomaly.ValidatorReport;
import io.tokenwatch.events.BindingType;
import io.tokenwatch.events.IssuanceDenied;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.events.UseDecision;
import io.tokenwatch.events.ValidatorStatus;
import io.tokenwatch.schemas.streams.InvalidEventException;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Translation between the Avro events and the rules' domain, with the semantic checks an event must
 * pass; a failed check throws {@link InvalidEventException}, which decoding turns into a dead
 * letter.
 */
final class Events {

  private Events() {}

  static void checkTokenIssued(@Nullable String key, TokenIssued event) {
    grant(event);
    requireKey(key, event.getTokenId(), "token_id");
  }

  static TokenGrant grant(TokenIssued event) {
    requireText(event.getEventId(), "event_id");
    try {
      String binding =
          event.getChannelBinding() == null
                  || event.getChannelBinding().getType() == BindingType.NONE
              ? null
              : event.getChannelBinding().getThumbprint();
      return new TokenGrant(
          event.getEventId(),
          event.getOccurredAt(),
          requireText(event.getTokenId(), "token_id"),
          requireText(event.getSubject(), "subject"),
          requireText(event.getClientId(), "client_id"),
          requireText(event.getGrantId(), "grant_id"),
          event.getScopes(),
          event.getExpiresAt(),
          event.getMaxUses(),
          binding);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new InvalidEventException(
          "invalid TokenIssued " + event.getEventId() + ": " + e.getMessage(), e);
    }
  }

  static void checkTokenUsed(@Nullable String key, TokenUsed event) {
    requireText(event.getEventId(), "event_id");
    requireText(event.getValidatorId(), "validator_id");
    String tokenId = event.getTokenId();
    if (tokenId != null) {
      requireText(tokenId, "token_id");
      requireKey(key, tokenId, "token_id");
    }
    if (event.getDecision() == UseDecision.DENIED && event.getDenyReason() == null) {
      throw new InvalidEventException("a DENIED use needs a deny_reason");
    }
  }

  /** The domain view of a use; null when the token could not be parsed (no token id). */
  static @Nullable TokenUse use(TokenUsed event) {
    String tokenId = event.getTokenId();
    if (tokenId == null) {
      return null;
    }
    boolean allowed = event.getDecision() == UseDecision.ALLOWED;
    DenyReason reason =
        allowed
            ? null
            : event.getDenyReason() == null
                ? DenyReason.OTHER
                : DenyReason.of(event.getDenyReason().name());
    return new TokenUse(
        event.getEventId(),
        event.getOccurredAt(),
        tokenId,
        event.getSubject(),
        event.getTokenClientId(),
        event.getPresentedClientId(),
        event.getBindingThumbprint(),
        event.getSourceAddress(),
        event.getValidatorId(),
        event.getRequiredScopes(),
        event.getTokenScopes(),
        allowed,
        reason,
        event.getMaxUses(),
        event.getTokenExpiresAt(),
        event.getGrantId());
  }

  static void checkIssuanceDenied(@Nullable String key, IssuanceDenied event) {
    refusal(event);
    requireKey(key, event.getClientId(), "client_id");
  }

  static IssuanceRefusal refusal(IssuanceDenied event) {
    requireText(event.getEventId(), "event_id");
    try {
      return new IssuanceRefusal(
          event.getEventId(),
          event.getOccurredAt(),
          requireText(event.getClientId(), "client_id"),
          event.getSubject(),
          event.getReason().name(),
          event.getGrantType().name(),
          event.getRequestedScopes(),
          event.getAllowedScopes(),
          event.getParentTokenId(),
          event.getGrantId());
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new InvalidEventException(
          "invalid IssuanceDenied " + event.getEventId() + ": " + e.getMessage(), e);
    }
  }

  static void checkRevocationRequested(@Nullable String key, RevocationRequested event) {
    requireText(event.getEventId(), "event_id");
    requireText(event.getRequestedBy(), "requested_by");
    requireText(event.getSelector().getValue(), "selector.value");
  }

  static void checkRevocation(@Nullable String key, Revocation event) {
    requireText(event.getEventId(), "event_id");
    requireText(event.getSelector().getValue(), "selector.value");
    if (event.getSelector().getKind() == SelectorKind.UNKNOWN) {
      throw new InvalidEventException("selector kind UNKNOWN cannot be evaluated");
    }
  }

  static void checkValidatorStatus(@Nullable String key, ValidatorStatus event) {
    report(event);
    requireKey(key, event.getValidatorId(), "validator_id");
  }

  static ValidatorReport report(ValidatorStatus event) {
    requireText(event.getEventId(), "event_id");
    requireText(event.getValidatorId(), "validator_id");
    try {
      return new ValidatorReport(
          event.getEventId(),
          event.getValidatorId(),
          event.getAudience(),
          event.getOccurredAt(),
          event.getStartedAt(),
          event.getSequence(),
          java.time.Duration.ofMillis(event.getIntervalMs()),
          event.getReady(),
          event.getStalenessMs());
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new InvalidEventException(
          "invalid ValidatorStatus " + event.getEventId() + ": " + e.getMessage(), e);
    }
  }

  private static String requireText(@Nullable String value, String field) {
    if (value == null || value.isBlank()) {
      throw new InvalidEventException(field + " must not be blank");
    }
    return value;
  }

  private static void requireKey(@Nullable String key, String expected, String field) {
    if (!Objects.equals(key, expected)) {
      throw new InvalidEventException("the record key must be the " + field + " " + expected);
    }
  }
}
