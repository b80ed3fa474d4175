package io.tokenwatch.issuer.token;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.IssuanceDenyReason;
import io.tokenwatch.issuer.consent.AuthorizationCodes;
import io.tokenwatch.issuer.consent.CodeGrant;
import io.tokenwatch.issuer.consent.Consent;
import io.tokenwatch.issuer.consent.ConsentService;
import io.tokenwatch.issuer.consent.Pkce;
import io.tokenwatch.issuer.policy.ClientPolicy;
import io.tokenwatch.issuer.policy.Decision;
import io.tokenwatch.issuer.policy.IssuanceRules;
import io.tokenwatch.issuer.policy.OAuthError;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * {@code authorization_code} (RFC 6749 section 4.1.3, RFC 7636 section 4.6): a client redeems the
 * code a person's consent produced. The code is spent on its first presentation; a second one is
 * refused and withdraws the consent, which revokes every token it produced (RFC 6749 section
 * 4.1.2). The tokens are the person's ({@code sub}), in the consent's grant ({@code grant_id} = the
 * consent id), with the scopes the person approved, and never outlive the consent: neither the
 * access token nor the refresh grant. Thread-safe.
 */
final class AuthorizationCodeGrant implements Grant {

  private final ConsentService consents;
  private final Issuance issuance;
  private final Denials denials;

  AuthorizationCodeGrant(ConsentService consents, Issuance issuance, Denials denials) {
    this.consents = requireNonNull(consents, "consents");
    this.issuance = requireNonNull(issuance, "issuance");
    this.denials = requireNonNull(denials, "denials");
  }

  @Override
  public TokenResponse grant(Attempt attempt, ClientPolicy client, Proofs proofs) {
    String code = attempt.request.param("code");
    String redirectUri = attempt.request.param("redirect_uri");
    String verifier = attempt.request.param("code_verifier");
    if (code == null || redirectUri == null || verifier == null) {
      return denials.refuse(
          attempt,
          Denial.of(
              IssuanceDenyReason.INVALID_REQUEST,
              OAuthError.INVALID_REQUEST,
              "code, redirect_uri and code_verifier are required"));
    }
    AuthorizationCodes.Redemption redemption = consents.codes().redeem(code);
    if (redemption instanceof AuthorizationCodes.Redemption.Replayed replayed) {
      CodeGrant grant = replayed.grant();
      attempt.subject = grant.user();
      attempt.grantId = grant.consentId();
      consents.withdrawReplayed(grant.consentId(), client.clientId());
      return denials.refuse(
          attempt,
          invalid(
              "the code was already used; the consent it carried is withdrawn and every token it"
                  + " produced is revoked"));
    }
    if (!(redemption instanceof AuthorizationCodes.Redemption.Redeemed redeemed)) {
      return denials.refuse(attempt, invalid("the code is unknown or expired"));
    }
    CodeGrant grant = redeemed.grant();
    attempt.subject = grant.user();
    attempt.grantId = grant.consentId();
    attempt.audience = grant.audience();
    attempt.scopes = grant.scopes();
    if (!grant.clientId().equals(client.clientId())) {
      return denials.refuse(attempt, invalid("the code was issued to another client"));
    }
    if (!grant.redirectUri().equals(redirectUri)) {
      return denials.refuse(
          attempt, invalid("redirect_uri differs from the authorization request's"));
    }
    if (!Pkce.verifies(verifier, grant.codeChallenge())) {
      return denials.refuse(attempt, invalid("code_verifier does not match the code_challenge"));
    }
    Instant now = issuance.now();
    Consent consent = consents.registry().active(grant.consentId(), now).orElse(null);
    if (consent == null) {
      return denials.refuse(attempt, invalid("the consent was withdrawn or has expired"));
    }
    // The policy in force decides again: a rule narrowed since the consent narrows its tokens.
    Decision decision =
        IssuanceRules.decide(
            client, grant.audience(), grant.scopes(), null, null, proofs.offered());
    if (decision instanceof Decision.Denied denied) {
      return denials.refuse(attempt, Denial.of(denied));
    }
    Decision.Approved approved = (Decision.Approved) decision;
    if (!approved.rule().userConsent()) {
      return denials.refuse(
          attempt,
          new Denial(
              IssuanceDenyReason.AUDIENCE_NOT_ALLOWED,
              OAuthError.UNAUTHORIZED_CLIENT,
              "policy no longer lets people consent to this client for " + grant.audience(),
              approved.rule().ruleId(),
              approved.scopes(),
              false));
    }
    Instant expiry = Issuance.earlier(now.plus(approved.ttl()), consent.expiresAt());
    Issuance.Terms terms =
        new Issuance.Terms(
            attempt,
            client,
            approved,
            now,
            expiry,
            grant.user(),
            grant.consentId(),
            null,
            null,
            List.of(),
            proofs.thumbprint(approved.binding()),
            "person "
                + grant.user()
                + " consented to client "
                + client.clientId()
                + " (consent "
                + grant.consentId()
                + ") under rule "
                + approved.rule().ruleId());
    Duration refreshTtl = approved.rule().refreshTtl();
    Issuance.NewGrant refresh =
        refreshTtl == null
            ? null
            : issuance.openGrant(
                terms,
                Issuance.earlier(now.plus(refreshTtl), consent.expiresAt()),
                "grant opened by consent " + grant.consentId());
    TokenResponse.Issued issued = issuance.issue(terms, refresh);
    if (!grant.openid()) {
      return issued;
    }
    return issued.withIdToken(
        issuance.idToken(grant.user(), client.clientId(), grant.nonce(), grant.authTime(), expiry));
  }

  private static Denial invalid(String detail) {
    return Denial.of(IssuanceDenyReason.INVALID_REQUEST, OAuthError.INVALID_GRANT, detail);
  }
}
