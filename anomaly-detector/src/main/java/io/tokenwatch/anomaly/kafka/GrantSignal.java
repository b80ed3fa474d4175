package io.tokenwatch.anomaly.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.anomaly.ReuseRevocation;
import io.tokenwatch.anomaly.TokenGrant;
import java.util.List;

/**
 * What the per-grant rule receives, keyed by grant id through {@value
 * AnomalyTopology#GRANT_SIGNALS_REPARTITION}: one record per kind of event ({@link
 * SignalSerdes#grantSignal()} on the topic).
 */
sealed interface GrantSignal permits GrantSignal.Minted, GrantSignal.ReuseRevoked {

  /** The grant the signal is about: the record key. */
  String grantId();

  /** Event time, epoch ms. */
  long at();

  /** A token of the grant was issued: whose the grant is. */
  record Minted(TokenGrant token) implements GrantSignal {

    public Minted {
      requireNonNull(token, "token");
    }

    /**
     * The signal of {@code token}, keeping only what the rule reads (no scopes, limit, binding).
     */
    static Minted of(TokenGrant token) {
      return new Minted(
          new TokenGrant(
              token.eventId(),
              token.at(),
              token.tokenId(),
              token.subject(),
              token.clientId(),
              token.grantId(),
              List.of(),
              token.expiresAt(),
              null,
              null));
    }

    @Override
    public String grantId() {
      return token.grantId();
    }

    @Override
    public long at() {
      return token.at().toEpochMilli();
    }
  }

  /** The issuer revoked the grant for refresh token reuse. */
  record ReuseRevoked(ReuseRevocation revocation) implements GrantSignal {

    public ReuseRevoked {
      requireNonNull(revocation, "revocation");
    }

    @Override
    public String grantId() {
      return revocation.grantId();
    }

    @Override
    public long at() {
      return revocation.at().toEpochMilli();
    }
  }
}
