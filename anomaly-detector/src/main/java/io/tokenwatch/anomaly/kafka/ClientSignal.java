package io.tokenwatch.anomaly.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.anomaly.IssuanceRefusal;
import io.tokenwatch.anomaly.TokenGrant;
import io.tokenwatch.anomaly.TokenUse;
import io.tokenwatch.anomaly.UseTally;
import java.util.List;

/**
 * What the per-client rules receive, keyed by client id through {@value
 * AnomalyTopology#CLIENT_SIGNALS_REPARTITION}: one record per kind of event. Each carries only what
 * its rule reads, which is also what crosses the topic ({@link SignalSerdes#clientSignal()}).
 *
 * <p>Besides the events, each source partition sends {@link Progress}: how far in event time it has
 * sent everything it ever will. The per-client rules apply the events in event-time order up to the
 * slowest source's progress.
 */
sealed interface ClientSignal
    permits ClientSignal.NewSource,
        ClientSignal.UseCount,
        ClientSignal.Issued,
        ClientSignal.Refused,
        ClientSignal.Progress {

  /** The client the signal is about: the record key. */
  String clientId();

  /** Event time, epoch ms. */
  long at();

  /** The inputs that send client signals, each from every partition of its topic. */
  enum SourceKind {
    /** {@code tokenwatch.token-used}: new sources and use tallies. */
    USE,
    /** {@code tokenwatch.token-issued}: issuances. */
    ISSUED,
    /** {@code tokenwatch.issuance-denied}: refused issuances. */
    REFUSED
  }

  /**
   * Partition {@code sourcePartition} of the input of {@code kind} has sent every signal with event
   * time at or before {@code upTo} that it will ever send. Sent to every partition of the client
   * signals (its key is not a client), so every task of the per-client rules hears every source.
   *
   * @param upTo epoch ms; {@link Long#MAX_VALUE} once the source has ended (a replay's end)
   */
  record Progress(int sourcePartition, SourceKind kind, long upTo) implements ClientSignal {

    /** The record key of progress signals, which go to every partition whatever their key. */
    static final String KEY = "";

    public Progress {
      requireNonNull(kind, "kind");
      if (sourcePartition < 0) {
        throw new IllegalArgumentException("sourcePartition must not be negative");
      }
    }

    @Override
    public String clientId() {
      return KEY;
    }

    @Override
    public long at() {
      return upTo;
    }
  }

  /**
   * A use of a token from a source address new for the token: the source-network rule.
   *
   * @param sourcePartition the partition of the use topic the use came from
   * @param use the use, with what the source-network rule reads of it
   * @param concurrent whether the token was also used from another network within the spread
   *     window: in two places at once
   */
  record NewSource(String clientId, int sourcePartition, TokenUse use, boolean concurrent)
      implements ClientSignal {

    public NewSource {
      requireNonNull(clientId, "clientId");
      requireNonNull(use, "use");
      requireNonNull(use.subject(), "use.subject");
      requireNonNull(use.sourceAddress(), "use.sourceAddress");
    }

    /** The signal of {@code use}, keeping only what crosses the topic. */
    static NewSource of(String clientId, TokenUse use, int sourcePartition, boolean concurrent) {
      return new NewSource(
          clientId,
          sourcePartition,
          new TokenUse(
              use.eventId(),
              use.at(),
              use.tokenId(),
              use.subject(),
              clientId,
              null,
              null,
              use.sourceAddress(),
              use.validatorId(),
              List.of(),
              List.of(),
              use.allowed(),
              use.denyReason(),
              null,
              null,
              use.grantId()),
          concurrent);
    }

    /** The use's subject, present by construction. */
    String subject() {
      return requireNonNull(use.subject(), "use.subject");
    }

    @Override
    public long at() {
      return use.at().toEpochMilli();
    }
  }

  /**
   * Uses of the client's tokens counted on one partition of the use topic: the usage rate.
   *
   * @param sourcePartition the partition of the use topic the uses came from
   */
  record UseCount(String clientId, int sourcePartition, UseTally tally) implements ClientSignal {

    public UseCount {
      requireNonNull(clientId, "clientId");
      requireNonNull(tally, "tally");
    }

    /** The signal of a snapshot of {@code tally}, which its owner goes on changing. */
    static UseCount of(String clientId, int sourcePartition, UseTally tally) {
      return new UseCount(
          clientId,
          sourcePartition,
          UseTally.of(
              tally.bucket(),
              tally.firstAt(),
              tally.lastAt(),
              tally.count(),
              tally.lastEventId(),
              tally.eventIds()));
    }

    @Override
    public long at() {
      return tally.lastAt();
    }
  }

  /** A token issued to the client: the scope baseline. */
  record Issued(TokenGrant grant) implements ClientSignal {

    public Issued {
      requireNonNull(grant, "grant");
    }

    /** The signal of {@code grant}, without the use limit and binding the rule does not read. */
    static Issued of(TokenGrant grant) {
      return new Issued(
          new TokenGrant(
              grant.eventId(),
              grant.at(),
              grant.tokenId(),
              grant.subject(),
              grant.clientId(),
              grant.grantId(),
              grant.scopes(),
              grant.expiresAt(),
              null,
              null));
    }

    @Override
    public String clientId() {
      return grant.clientId();
    }

    @Override
    public long at() {
      return grant.at().toEpochMilli();
    }
  }

  /** A token request of the client the issuer refused: scope escalation. */
  record Refused(IssuanceRefusal refusal) implements ClientSignal {

    public Refused {
      requireNonNull(refusal, "refusal");
    }

    @Override
    public String clientId() {
      return refusal.clientId();
    }

    @Override
    public long at() {
      return refusal.at().toEpochMilli();
    }
  }
}
