package io.tokenwatch.issuer.token;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.IssuanceDenyReason;
import io.tokenwatch.issuer.Secrets;
import io.tokenwatch.issuer.policy.ClientKind;
import io.tokenwatch.issuer.policy.ClientPolicy;
import io.tokenwatch.issuer.policy.Decision;
import io.tokenwatch.issuer.policy.OAuthError;
import java.time.Instant;
import java.util.List;

/** {@code client_credentials}: a machine client asks a token for its own access. Thread-safe. */
final class ClientCredentialsGrant implements Grant {

  private final Issuance issuance;
  private final Denials denials;

  ClientCredentialsGrant(Issuance issuance, Denials denials) {
    this.issuance = requireNonNull(issuance, "issuance");
    this.denials = requireNonNull(denials, "denials");
  }

  @Override
  public TokenResponse grant(Attempt attempt, ClientPolicy client, Proofs proofs) {
    attempt.subject = client.clientId();
    if (client.kind() != ClientKind.MACHINE) {
      return denials.refuse(
          attempt,
          Denial.of(
              IssuanceDenyReason.INVALID_CLIENT_CREDENTIALS,
              OAuthError.UNAUTHORIZED_CLIENT,
              "a public client cannot use client_credentials"));
    }
    if (attempt.audience == null) {
      return denials.refuse(attempt, Denial.audienceRequired());
    }
    Decision decision = attempt.decide(client, proofs.offered());
    if (decision instanceof Decision.Denied denied) {
      return denials.refuse(attempt, Denial.of(denied));
    }
    Decision.Approved approved = (Decision.Approved) decision;
    Instant now = issuance.now();
    return issuance.issue(
        new Issuance.Terms(
            attempt,
            client,
            approved,
            now,
            now.plus(approved.ttl()),
            client.clientId(),
            Secrets.randomUuid().toString(),
            null,
            null,
            List.of(),
            proofs.thumbprint(approved.binding()),
            "client "
                + client.clientId()
                + " authenticated for its own access under rule "
                + approved.rule().ruleId()),
        null);
  }
}
