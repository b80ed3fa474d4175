package io.tokenwatch.issuer.consent;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.ConsentGranted;
import io.tokenwatch.events.ConsentWithdrawalReason;
import io.tokenwatch.events.ConsentWithdrawn;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.issuer.EventParts;
import io.tokenwatch.issuer.Secrets;
import io.tokenwatch.issuer.policy.AudienceRule;
import io.tokenwatch.issuer.policy.Policy;
import io.tokenwatch.issuer.revocation.AdminRevocation;
import io.tokenwatch.issuer.revocation.RevocationOutcome;
import io.tokenwatch.issuer.revocation.RevocationService;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Gives and withdraws consents. Approving records {@code ConsentGranted} durably before the code
 * that carries it is handed out. Withdrawing writes ONE revocation of {@code grant:<consent id>}
 * through the issuer's revocation path (request plus fast path, as an admin revocation), which
 * covers every token of the consent, its refreshes and the token exchanges made from them (they
 * stay in the consent's grant), and then {@code ConsentWithdrawn}: the revocation first, so a
 * failure in between leaves the tokens dead and the withdrawal retryable, never the other way
 * round. Thread-safe.
 */
public final class ConsentService {

  private final ConsentLog log;
  private final ConsentRegistry registry;
  private final AuthorizationCodes codes;
  private final RevocationService revocations;
  private final Clock clock;

  /**
   * @param log where consent events go
   * @param registry the consents in force, kept current by this service and by the topic follower
   * @param codes the authorization codes
   * @param revocations the issuer's revocation path
   * @param clock the time source
   */
  public ConsentService(
      ConsentLog log,
      ConsentRegistry registry,
      AuthorizationCodes codes,
      RevocationService revocations,
      Clock clock) {
    this.log = requireNonNull(log, "log");
    this.registry = requireNonNull(registry, "registry");
    this.codes = requireNonNull(codes, "codes");
    this.revocations = requireNonNull(revocations, "revocations");
    this.clock = requireNonNull(clock, "clock");
  }

  /** The outcome of a person's approval. */
  public sealed interface Approval {

    /** The consent is recorded; {@code code} goes to the client's redirect URI. */
    record Approved(Consent consent, String code) implements Approval {}

    /** Nothing was recorded. */
    record Refused(String detail) implements Approval {}
  }

  /** The outcome of a withdrawal. */
  public sealed interface Withdrawal {

    /** Withdrawn now: the selector revoked. */
    record Withdrawn(Consent consent, String selector) implements Withdrawal {}

    /** No consent in force of that id that the caller may withdraw; nothing was recorded. */
    record NotFound() implements Withdrawal {}
  }

  /** The registry of consents. */
  public ConsentRegistry registry() {
    return registry;
  }

  /** The authorization codes. */
  public AuthorizationCodes codes() {
    return codes;
  }

  /**
   * Records that {@code user} approved {@code approvedScopes} of {@code request}, and makes its
   * code.
   *
   * @param user the person's id, the subject of the tokens
   * @param login how the person logged in ({@code local} or the upstream issuer URL)
   * @param approvedScopes what the person ticked: a non-empty subset of the requested scopes
   * @throws io.tokenwatch.issuer.EventLogUnavailableException when the consent cannot be recorded
   */
  public Approval approve(
      String user,
      String login,
      AuthorizationRequest request,
      AudienceRule rule,
      Policy policy,
      Set<String> approvedScopes) {
    requireNonNull(user, "user");
    requireNonNull(login, "login");
    requireNonNull(request, "request");
    requireNonNull(rule, "rule");
    requireNonNull(policy, "policy");
    requireNonNull(approvedScopes, "approvedScopes");
    if (approvedScopes.isEmpty()) {
      return new Approval.Refused("no scope was approved; deny the request instead");
    }
    List<String> granted = new ArrayList<>();
    for (String scope : request.scopes()) {
      if (approvedScopes.contains(scope)) {
        granted.add(scope);
      }
    }
    if (granted.size() != approvedScopes.size()) {
      return new Approval.Refused("only scopes the client asked for can be approved");
    }
    Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    Instant expiresAt = now.plus(rule.consentTtl());
    String consentId = Consent.ID_PREFIX + Secrets.newSecret();
    ConsentGranted event =
        ConsentGranted.newBuilder()
            .setEventId(Secrets.randomUuid().toString())
            .setOccurredAt(now)
            .setConsentId(consentId)
            .setUser(user)
            .setLogin(login)
            .setClientId(request.clientId())
            .setAudience(request.audience())
            .setRequestedScopes(request.scopes())
            .setGrantedScopes(granted)
            .setPurpose(request.purpose())
            .setExpiresAt(expiresAt)
            .setRedirectUri(request.redirectUri())
            .setPolicy(EventParts.policyRef(policy))
            .setRuleId(rule.ruleId())
            .build();
    log.granted(event);
    registry.apply(event);
    String code =
        codes.issue(
            new CodeGrant(
                consentId,
                request.clientId(),
                request.redirectUri(),
                request.codeChallenge(),
                request.nonce(),
                request.openid(),
                user,
                request.audience(),
                granted,
                now,
                now.plus(codes.ttl())));
    return new Approval.Approved(Consent.of(event), code);
  }

  /**
   * The person withdraws one of their consents in force.
   *
   * @throws io.tokenwatch.issuer.EventLogUnavailableException when it cannot be recorded
   */
  public Withdrawal withdrawByUser(String consentId, String user) {
    requireNonNull(user, "user");
    Consent consent = registry.active(consentId, clock.instant()).orElse(null);
    if (consent == null || !consent.user().equals(user)) {
      return new Withdrawal.NotFound(); // another person's consent is as good as unknown
    }
    return withdraw(
        consent,
        user,
        ConsentWithdrawalReason.USER_WITHDREW,
        RevocationReason.POLICY_CHANGE,
        "user:" + user,
        "consent " + consentId + " withdrawn by the person who gave it");
  }

  /**
   * An admin withdraws anyone's consent in force.
   *
   * @throws io.tokenwatch.issuer.EventLogUnavailableException when it cannot be recorded
   */
  public Withdrawal withdrawByAdmin(String consentId, String admin, @Nullable String why) {
    requireNonNull(admin, "admin");
    Consent consent = registry.active(consentId, clock.instant()).orElse(null);
    if (consent == null) {
      return new Withdrawal.NotFound();
    }
    return withdraw(
        consent,
        admin,
        ConsentWithdrawalReason.ADMIN_WITHDREW,
        RevocationReason.ADMIN,
        "admin:" + admin,
        why == null ? "consent " + consentId + " withdrawn by admin " + admin : why);
  }

  /**
   * Withdraws the consent whose authorization code was presented a second time (RFC 6749 section
   * 4.1.2): the code may have been intercepted, so what it produced is revoked.
   *
   * @throws io.tokenwatch.issuer.EventLogUnavailableException when it cannot be recorded
   */
  public Withdrawal withdrawReplayed(String consentId, String presentedBy) {
    Consent consent = registry.active(consentId, clock.instant()).orElse(null);
    if (consent == null) {
      return new Withdrawal.NotFound();
    }
    return withdraw(
        consent,
        "issuer",
        ConsentWithdrawalReason.CODE_REPLAYED,
        RevocationReason.COMPROMISED,
        "issuer",
        "the authorization code of consent "
            + consentId
            + " was presented again (by "
            + presentedBy
            + "); every token it produced is revoked");
  }

  private Withdrawal withdraw(
      Consent consent,
      String withdrawnBy,
      ConsentWithdrawalReason reason,
      RevocationReason revocationReason,
      String requestedBy,
      String detail) {
    RevocationOutcome outcome =
        revocations.revokeByAdmin(
            new AdminRevocation(
                SelectorKind.GRANT, consent.id(), null, revocationReason, requestedBy, detail));
    if (!(outcome instanceof RevocationOutcome.Accepted accepted)) {
      throw new IllegalStateException("the revocation of consent " + consent.id() + " was refused");
    }
    ConsentWithdrawn event =
        ConsentWithdrawn.newBuilder()
            .setEventId(Secrets.randomUuid().toString())
            .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
            .setConsentId(consent.id())
            .setUser(consent.user())
            .setClientId(consent.clientId())
            .setWithdrawnBy(withdrawnBy)
            .setReason(reason)
            .setRevocationSelector(accepted.selector())
            .setDetail(detail)
            .build();
    log.withdrawn(event);
    registry.apply(event);
    return new Withdrawal.Withdrawn(consent, accepted.selector());
  }
}
