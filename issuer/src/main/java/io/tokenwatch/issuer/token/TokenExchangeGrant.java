package io.tokenwatch.issuer.token;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jwt.JWTClaimsSet;
import io.tokenwatch.events.IssuanceDenyReason;
import io.tokenwatch.issuer.Claims;
import io.tokenwatch.issuer.Secrets;
import io.tokenwatch.issuer.consent.Consent;
import io.tokenwatch.issuer.policy.ClientPolicy;
import io.tokenwatch.issuer.policy.Decision;
import io.tokenwatch.issuer.policy.OAuthError;
import io.tokenwatch.issuer.revocation.OwnTokens;
import io.tokenwatch.issuer.revocation.RevocationCheck;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Token exchange (RFC 8693): a client that may act for others trades a live access token of this
 * issuer (the subject token) for a delegated one. The new token carries {@code act} (the chain of
 * actors, nested), scopes within both the subject token's and the actor's policy, never outlives
 * the subject token nor allows more uses, and remembers its lineage so revoking any ancestor ends
 * it. Where the rule allows refresh, it opens a refresh grant bounded by the subject token's
 * expiry, except under a person's consent: a token exchanged from a consent's token stays in the
 * consent's grant (so withdrawing the consent revokes it with the same record) and is not
 * refreshable. Thread-safe.
 */
final class TokenExchangeGrant implements Grant {

  private final OwnTokens ownTokens;
  private final RevocationCheck revocations;
  private final Issuance issuance;
  private final Denials denials;

  /**
   * @param ownTokens verifies subject tokens and checks them against the revocation feed
   * @param revocations the feed, for the subject token's ancestors
   */
  TokenExchangeGrant(
      OwnTokens ownTokens, RevocationCheck revocations, Issuance issuance, Denials denials) {
    this.ownTokens = requireNonNull(ownTokens, "ownTokens");
    this.revocations = requireNonNull(revocations, "revocations");
    this.issuance = requireNonNull(issuance, "issuance");
    this.denials = requireNonNull(denials, "denials");
  }

  @Override
  public TokenResponse grant(Attempt attempt, ClientPolicy client, Proofs proofs) {
    if (!client.mayActForOthers()) {
      return denials.refuse(
          attempt,
          // the client's entry decided (it does not allow acting for others): name it
          new Denial(
              IssuanceDenyReason.DELEGATION_NOT_ALLOWED,
              OAuthError.UNAUTHORIZED_CLIENT,
              "client " + client.clientId() + " may not act for others",
              client.clientId(),
              List.of(),
              false));
    }
    String subjectToken = attempt.request.param("subject_token");
    String subjectTokenType = attempt.request.param("subject_token_type");
    String requestedType = attempt.request.param("requested_token_type");
    if (subjectToken == null || !TokenService.ACCESS_TOKEN_TYPE.equals(subjectTokenType)) {
      return denials.refuse(
          attempt,
          Denial.of(
              IssuanceDenyReason.INVALID_REQUEST,
              OAuthError.INVALID_REQUEST,
              "subject_token and subject_token_type "
                  + TokenService.ACCESS_TOKEN_TYPE
                  + " are required"));
    }
    if (attempt.request.param("actor_token") != null
        || (requestedType != null && !TokenService.ACCESS_TOKEN_TYPE.equals(requestedType))) {
      return denials.refuse(
          attempt,
          Denial.of(
              IssuanceDenyReason.INVALID_REQUEST,
              OAuthError.INVALID_REQUEST,
              "only access tokens are issued, and the actor is the authenticated client"
                  + " (actor_token is not supported)"));
    }
    OwnTokens.LiveCheck subjectCheck = ownTokens.checkLive(subjectToken);
    if (!(subjectCheck instanceof OwnTokens.LiveCheck.Live live)) {
      return denials.refuse(attempt, notLive(attempt, subjectCheck));
    }
    JWTClaimsSet parent = live.claims();
    attempt.subject = parent.getSubject();
    attempt.parentTokenId = parent.getJWTID();
    // The check above matched lineage selectors against the subject token's ancestors; a token
    // selector naming one of them ends every delegation made from it as well.
    Optional<Decision.Denied> ancestryRefused =
        revocations
            .anyRevokedById(Claims.stringList(parent, "lineage"))
            .refusal(
                IssuanceDenyReason.INVALID_SUBJECT_TOKEN,
                selector ->
                    "a token the subject token was delegated from is revoked (" + selector + ")");
    if (ancestryRefused.isPresent()) {
      return denials.refuse(attempt, Denial.of(ancestryRefused.get()));
    }
    List<String> parentScopes = TokenParameters.scopes(Claims.string(parent, "scope"));
    String parentAudience = parent.getAudience().isEmpty() ? null : parent.getAudience().get(0);
    if (attempt.audience == null) {
      attempt.audience = parentAudience;
    }
    if (attempt.scopes.isEmpty()) {
      attempt.scopes = parentScopes;
    }
    if (attempt.audience == null) {
      return denials.refuse(attempt, Denial.audienceRequired());
    }
    List<String> wider = TokenParameters.beyond(attempt.scopes, parentScopes);
    if (!wider.isEmpty()) {
      return denials.refuse(
          attempt,
          new Denial(
              IssuanceDenyReason.DELEGATION_WIDENS_SCOPE,
              OAuthError.INVALID_SCOPE,
              "scope(s) " + String.join(" ", wider) + " are not in the subject token",
              null,
              parentScopes,
              false));
    }
    Decision decision = attempt.decide(client, proofs.offered());
    if (decision instanceof Decision.Denied denied) {
      return denials.refuse(attempt, Denial.of(denied));
    }
    Decision.Approved approved = (Decision.Approved) decision;
    Instant now = issuance.now();
    Instant parentExpiry = parent.getExpirationTime().toInstant();
    Instant expiry = now.plus(approved.ttl());
    if (expiry.isAfter(parentExpiry)) {
      if (attempt.ttlSeconds != null) {
        return refuseBeyondParent(
            attempt,
            approved,
            IssuanceDenyReason.DELEGATION_OUTLIVES_PARENT,
            "the requested lifetime would outlive the subject token, which expires at "
                + parentExpiry);
      }
      expiry = parentExpiry; // the default lifetime is cut to the parent's: never outlive it
    }
    if (!expiry.isAfter(now)) {
      return denials.refuse(
          attempt,
          Denial.of(
              IssuanceDenyReason.INVALID_SUBJECT_TOKEN,
              OAuthError.INVALID_GRANT,
              "the subject token expires now"));
    }
    Integer maxUses = approved.maxUses();
    Object parentUses = parent.getClaim("max_uses");
    if (parentUses instanceof Number number && (maxUses == null || maxUses > number.intValue())) {
      if (attempt.maxUses != null) {
        return refuseBeyondParent(
            attempt,
            approved,
            IssuanceDenyReason.MAX_USES_ABOVE_POLICY,
            "the requested max_uses exceeds the subject token's " + number);
      }
      maxUses = number.intValue();
    }
    approved =
        new Decision.Approved(
            approved.rule(),
            approved.scopes(),
            approved.ttl(),
            maxUses,
            approved.binding(),
            approved.notAfter());
    // A token exchanged from a consent's token stays in the consent's grant, so the one
    // grant:<consent id> revocation a withdrawal writes covers it; it opens no refresh grant of
    // its own (the consent's grant id is taken by the consent's refresh grant).
    String parentGrant = Claims.string(parent, "grant_id");
    boolean underConsent = Consent.isConsentId(parentGrant);
    Issuance.Terms terms =
        new Issuance.Terms(
            attempt,
            client,
            approved,
            now,
            expiry,
            parent.getSubject(),
            underConsent ? parentGrant : Secrets.randomUuid().toString(),
            actor(client, parent),
            parent.getJWTID(),
            lineage(parent),
            proofs.thumbprint(approved.binding()),
            "client "
                + client.clientId()
                + " acts for "
                + parent.getSubject()
                + " with a token exchanged from "
                + parent.getJWTID()
                + " under rule "
                + approved.rule().ruleId());
    Duration refreshTtl = approved.rule().refreshTtl();
    if (refreshTtl == null || underConsent) {
      return issuance.issue(terms, null);
    }
    Issuance.NewGrant grant =
        issuance.openGrant(
            terms,
            Issuance.earlier(now.plus(refreshTtl), parentExpiry),
            "grant started by token exchange");
    return issuance.issue(terms, grant);
  }

  /**
   * Refuses an explicit request that policy approves but the subject token does not allow (a longer
   * life, more uses): named after the approving rule, with the scopes asked for.
   */
  private TokenResponse refuseBeyondParent(
      Attempt attempt, Decision.Approved approved, IssuanceDenyReason reason, String detail) {
    return denials.refuse(
        attempt,
        new Denial(
            reason,
            OAuthError.INVALID_REQUEST,
            detail,
            approved.rule().ruleId(),
            attempt.scopes,
            false));
  }

  /**
   * The refusal of a subject token that is not a live, unrevoked access token of this issuer; a
   * verified one still names its subject and id in the denial event.
   */
  private static Denial notLive(Attempt attempt, OwnTokens.LiveCheck check) {
    OAuthError error = OAuthError.INVALID_GRANT;
    String detail = "the subject token is not a live access token of this issuer";
    JWTClaimsSet verified = null;
    if (check instanceof OwnTokens.LiveCheck.Revoked revoked) {
      verified = revoked.claims();
      detail = "the subject token is revoked (" + revoked.selector() + ")";
    } else if (check instanceof OwnTokens.LiveCheck.Undecidable undecidable) {
      // Fail closed: a subject token whose revocation cannot be ruled out is not exchanged.
      verified = undecidable.claims();
      error = OAuthError.TEMPORARILY_UNAVAILABLE;
      detail = undecidable.detail() + "; retry shortly";
    }
    if (verified != null) {
      attempt.subject = verified.getSubject();
      attempt.parentTokenId = verified.getJWTID();
    }
    return Denial.of(IssuanceDenyReason.INVALID_SUBJECT_TOKEN, error, detail);
  }

  /** The {@code act} claim: the client, and the subject token's actors nested (RFC 8693 4.1). */
  private static Map<String, Object> actor(ClientPolicy client, JWTClaimsSet parent) {
    Map<String, Object> actor = new LinkedHashMap<>();
    actor.put("sub", client.clientId());
    actor.put("client_id", client.clientId());
    Object previousActor = parent.getClaim("act");
    if (previousActor instanceof Map<?, ?>) {
      actor.put("act", previousActor);
    }
    return actor;
  }

  /** The subject token, then every token it is delegated from. */
  private static List<String> lineage(JWTClaimsSet parent) {
    List<String> lineage = new ArrayList<>();
    lineage.add(requireNonNull(parent.getJWTID()));
    lineage.addAll(Claims.stringList(parent, "lineage"));
    return lineage;
  }
}
