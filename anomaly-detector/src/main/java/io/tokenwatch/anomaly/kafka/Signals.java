package io.tokenwatch.anomaly.kafka;

import io.tokenwatch.anomaly.DenyReason;
import io.tokenwatch.anomaly.IssuanceRefusal;
import io.tokenwatch.anomaly.TokenGrant;
import io.tokenwatch.anomaly.TokenUse;
import io.tokenwatch.anomaly.UseTally;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The records of the repartition topics: what the per-client and per-grant rules need of an event,
 * in a compact JSON form internal to this application.
 */
final class Signals {

  private Signals() {}

  enum Kind {
    /** A use of a token from a source address new for the token: the source-network rule. */
    USE,
    /** A tally of uses of the client's tokens on one partition: the usage rate. */
    USE_TALLY,
    ISSUED,
    REFUSED,
    REUSE_REVOKED
  }

  /** One event for the per-client rules, keyed by client id. */
  record ClientSignal(
      Kind kind,
      String eventId,
      long at,
      String clientId,
      @Nullable String subject,
      @Nullable String tokenId,
      @Nullable String grantId,
      @Nullable String sourceAddress,
      @Nullable String validatorId,
      boolean allowed,
      @Nullable String reason,
      @Nullable String grantType,
      @Nullable List<String> scopes,
      @Nullable List<String> allowedScopes,
      @Nullable String parentTokenId,
      long expiresAt,
      int sourcePartition,
      int count,
      long bucket,
      long firstAt,
      @Nullable List<String> eventIds) {

    static ClientSignal of(String clientId, TokenUse use, int sourcePartition) {
      return new ClientSignal(
          Kind.USE,
          use.eventId(),
          use.at().toEpochMilli(),
          clientId,
          use.subject(),
          use.tokenId(),
          use.grantId(),
          use.sourceAddress(),
          use.validatorId(),
          use.allowed(),
          use.denyReason() == null ? null : use.denyReason().name(),
          null,
          null,
          null,
          null,
          0,
          sourcePartition,
          0,
          0,
          0,
          null);
    }

    static ClientSignal of(TokenGrant grant) {
      return new ClientSignal(
          Kind.ISSUED,
          grant.eventId(),
          grant.at().toEpochMilli(),
          grant.clientId(),
          grant.subject(),
          grant.tokenId(),
          grant.grantId(),
          null,
          null,
          true,
          null,
          null,
          grant.scopes(),
          null,
          null,
          grant.expiresAt().toEpochMilli(),
          -1,
          0,
          0,
          0,
          null);
    }

    static ClientSignal of(IssuanceRefusal refusal) {
      return new ClientSignal(
          Kind.REFUSED,
          refusal.eventId(),
          refusal.at().toEpochMilli(),
          refusal.clientId(),
          refusal.subject(),
          null,
          refusal.grantId(),
          null,
          null,
          false,
          refusal.reason(),
          refusal.grantType(),
          refusal.requestedScopes(),
          refusal.allowedScopes(),
          refusal.parentTokenId(),
          0,
          -1,
          0,
          0,
          0,
          null);
    }

    static ClientSignal of(String clientId, UseTally tally, int sourcePartition) {
      return new ClientSignal(
          Kind.USE_TALLY,
          tally.lastEventId(),
          tally.lastAt(),
          clientId,
          null,
          null,
          null,
          null,
          null,
          true,
          null,
          null,
          null,
          null,
          null,
          0,
          sourcePartition,
          tally.count(),
          tally.bucket(),
          tally.firstAt(),
          tally.eventIds());
    }

    /** The tally of a {@link Kind#USE_TALLY} signal. */
    UseTally tally() {
      return UseTally.of(
          bucket, firstAt, at, count, eventId, eventIds == null ? List.of() : eventIds);
    }

    TokenUse use() {
      return new TokenUse(
          eventId,
          Instant.ofEpochMilli(at),
          orEmpty(tokenId),
          subject,
          clientId,
          null,
          null,
          sourceAddress,
          validatorId == null ? "" : validatorId,
          List.of(),
          List.of(),
          allowed,
          allowed ? null : DenyReason.of(reason == null ? "" : reason),
          null,
          null,
          grantId);
    }

    TokenGrant grant() {
      return new TokenGrant(
          eventId,
          Instant.ofEpochMilli(at),
          orEmpty(tokenId),
          orEmpty(subject),
          clientId,
          orEmpty(grantId),
          scopes == null ? List.of() : scopes,
          Instant.ofEpochMilli(expiresAt),
          null,
          null);
    }

    IssuanceRefusal refusal() {
      return new IssuanceRefusal(
          eventId,
          Instant.ofEpochMilli(at),
          clientId,
          subject,
          orEmpty(reason),
          orEmpty(grantType),
          scopes == null ? List.of() : scopes,
          allowedScopes == null ? List.of() : allowedScopes,
          parentTokenId,
          grantId);
    }
  }

  /** One event for the per-grant rule, keyed by grant id. */
  record GrantSignal(
      Kind kind,
      String eventId,
      long at,
      String grantId,
      @Nullable String subject,
      @Nullable String clientId,
      @Nullable String tokenId,
      long expiresAt,
      @Nullable String requestedBy,
      @Nullable String detail) {}

  private static String orEmpty(@Nullable String value) {
    return value == null ? "" : value;
  }
}
