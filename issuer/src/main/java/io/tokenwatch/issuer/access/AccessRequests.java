package io.tokenwatch.issuer.access;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.issuer.Secrets;
import io.tokenwatch.issuer.policy.AudienceRule;
import io.tokenwatch.issuer.policy.ClientPolicy;
import io.tokenwatch.issuer.policy.Policy;
import io.tokenwatch.issuer.policy.PolicyException;
import io.tokenwatch.issuer.policy.RiskLevel;
import io.tokenwatch.issuer.policy.ScopeDefinition;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Access requests: opens them against the policy in force, applies {@link AccessRules} to every
 * action, records each allowed change in the store, and answers which policy exceptions are in
 * force. A refused action records nothing. Actions are serialized on this instance, so two
 * approvals arriving at once both count. Thread-safe.
 */
public final class AccessRequests implements PolicyChangeApprovals {

  /** The longest purpose accepted, in characters. */
  public static final int MAX_PURPOSE_CHARS = 500;

  /** The longest comment accepted, in characters. */
  public static final int MAX_COMMENT_CHARS = 500;

  /** The most scopes one request may name. */
  public static final int MAX_SCOPES = 32;

  private final AccessRequestStore store;
  private final Supplier<Policy> policy;
  private final Clock clock;
  private final Duration maxException;
  private final Object lock = new Object();

  /**
   * @param store where every change goes
   * @param policy the policy in force, which requests are checked against
   * @param clock the time source: approvals, exception ends and expiries follow it
   * @param maxException the longest exception a request may ask for
   */
  public AccessRequests(
      AccessRequestStore store, Supplier<Policy> policy, Clock clock, Duration maxException) {
    this.store = requireNonNull(store, "store");
    this.policy = requireNonNull(policy, "policy");
    this.clock = requireNonNull(clock, "clock");
    this.maxException = requireNonNull(maxException, "maxException");
    if (maxException.isNegative() || maxException.isZero()) {
      throw new IllegalArgumentException("maxException must be positive");
    }
  }

  /** The longest exception a request may ask for. */
  public Duration maxException() {
    return maxException;
  }

  /**
   * {@code requester} asks for a SCOPE exception or a NARROW change. Refused as {@link
   * AccessRule#INVALID} when the client, audience or a scope is unknown, a SCOPE request asks for a
   * scope the rule already grants, the admin scope, or a duration outside (0, max], a NARROW
   * request for a scope the rule does not grant, or the purpose is blank or too long.
   */
  public AccessOutcome request(Actor requester, NewAccessRequest asked) {
    requireNonNull(requester, "requester");
    requireNonNull(asked, "asked");
    Policy current = policy.get();
    String invalid = invalid(current, asked);
    if (invalid != null) {
      return new AccessOutcome.Refused(AccessRule.INVALID, invalid);
    }
    RiskLevel risk = riskOf(current, asked.scopes());
    Duration duration = asked.duration() == null ? Duration.ZERO : asked.duration();
    String id = "req-" + Secrets.randomUuid();
    AccessRequest request =
        new AccessRequest(
            id,
            asked.kind(),
            requester.id(),
            asked.clientId(),
            asked.audience(),
            List.copyOf(new LinkedHashSet<>(asked.scopes())),
            risk,
            asked.purpose().strip(),
            duration,
            null,
            AccessRules.approvalsRequired(risk),
            List.of(),
            null,
            List.of(),
            AccessStatus.PENDING,
            null,
            null,
            AccessChange.REQUESTED,
            requester.id(),
            now(),
            requester.id()
                + (asked.kind() == AccessKind.SCOPE ? " asked for " : " proposed taking away ")
                + String.join(" ", asked.scopes())
                + " for client "
                + asked.clientId()
                + (asked.audience() == null
                    ? " at every audience"
                    : " and audience " + asked.audience()));
    synchronized (lock) {
      store.save(request);
    }
    return new AccessOutcome.Changed(request);
  }

  @Override
  public AccessRequest open(
      String requester,
      String policyDigest,
      List<String> addedScopes,
      RiskLevel risk,
      String purpose) {
    requireNonNull(requester, "requester");
    requireNonNull(policyDigest, "policyDigest");
    requireNonNull(addedScopes, "addedScopes");
    requireNonNull(risk, "risk");
    requireNonNull(purpose, "purpose");
    synchronized (lock) {
      for (AccessRequest known : store.all()) {
        if (known.kind() == AccessKind.POLICY_CHANGE
            && policyDigest.equals(known.policyDigest())
            && (known.status() == AccessStatus.PENDING
                || known.status() == AccessStatus.APPROVED)) {
          return known;
        }
      }
      AccessRequest request =
          new AccessRequest(
              "req-" + Secrets.randomUuid(),
              AccessKind.POLICY_CHANGE,
              requester,
              null,
              null,
              addedScopes,
              risk,
              purpose,
              Duration.ZERO,
              policyDigest,
              AccessRules.approvalsRequired(risk),
              List.of(),
              null,
              List.of(),
              AccessStatus.PENDING,
              null,
              null,
              AccessChange.REQUESTED,
              requester,
              now(),
              "policy change to version "
                  + policyDigest
                  + " adds "
                  + String.join(" ", addedScopes)
                  + " and needs approval");
      store.save(request);
      return request;
    }
  }

  @Override
  public Optional<ApprovedChange> approved(String policyDigest) {
    requireNonNull(policyDigest, "policyDigest");
    return store.all().stream()
        .filter(r -> r.kind() == AccessKind.POLICY_CHANGE)
        .filter(r -> policyDigest.equals(r.policyDigest()))
        .filter(r -> r.status() == AccessStatus.APPROVED)
        .findFirst()
        .map(ApprovedChange::new);
  }

  /** {@code actor} approves request {@code id}. */
  public AccessOutcome approve(String id, Actor actor, @Nullable String comment) {
    return act(id, request -> AccessRules.approve(request, actor, comment, now()));
  }

  /** {@code actor} refuses request {@code id}. */
  public AccessOutcome refuse(String id, Actor actor, @Nullable String comment) {
    return act(id, request -> AccessRules.refuse(request, actor, comment, now()));
  }

  /** {@code actor} reviews approved request {@code id}. */
  public AccessOutcome review(String id, Actor actor, @Nullable String comment) {
    return act(id, request -> AccessRules.review(request, actor, comment, now()));
  }

  /** {@code actor}, its requester, cancels request {@code id}. */
  public AccessOutcome cancel(String id, Actor actor) {
    return act(id, request -> AccessRules.cancel(request, actor, now()));
  }

  /** The latest state of request {@code id}. */
  public Optional<AccessRequest> get(String id) {
    return store.get(requireNonNull(id, "id"));
  }

  /** Every request, or those with {@code status}, most recently changed first. */
  public List<AccessRequest> list(@Nullable AccessStatus status) {
    List<AccessRequest> all = new ArrayList<>();
    for (AccessRequest request : store.all()) {
      if (status == null || request.status() == status) {
        all.add(request);
      }
    }
    all.sort(
        Comparator.comparing(AccessRequest::changedAt).reversed().thenComparing(AccessRequest::id));
    return all;
  }

  /**
   * The policy exceptions of approved scope requests whose end has not passed; issuance checks each
   * against its own clock reading.
   */
  public List<PolicyException> exceptions() {
    Instant now = now();
    List<PolicyException> exceptions = new ArrayList<>();
    for (AccessRequest request : store.all()) {
      request
          .exception()
          .filter(exception -> exception.until().isAfter(now))
          .ifPresent(exceptions::add);
    }
    return exceptions;
  }

  /**
   * Records the expiry of every approved request whose exception has ended. Issuance does not wait
   * for it (it checks each exception's end itself); the record tells everyone else.
   *
   * @return the requests expired now
   * @throws io.tokenwatch.issuer.EventLogUnavailableException when one cannot be recorded in time;
   *     the next sweep retries
   */
  public List<AccessRequest> expireDue() {
    List<AccessRequest> expired = new ArrayList<>();
    synchronized (lock) {
      Instant now = now();
      for (AccessRequest request : store.all()) {
        Optional<AccessRequest> ended = AccessRules.expire(request, now);
        if (ended.isPresent()) {
          store.save(ended.get());
          expired.add(ended.get());
        }
      }
    }
    return expired;
  }

  /**
   * Now, in the milliseconds the {@code AccessRequestChanged} record keeps, so a state read back
   * from the topic equals the one decided here.
   */
  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }

  private AccessOutcome act(
      String id, java.util.function.Function<AccessRequest, AccessOutcome> action) {
    requireNonNull(id, "id");
    synchronized (lock) {
      AccessRequest request = store.get(id).orElse(null);
      if (request == null) {
        return new AccessOutcome.Refused(AccessRule.NOT_FOUND, "no access request " + id);
      }
      AccessOutcome outcome = action.apply(request);
      if (outcome instanceof AccessOutcome.Changed changed) {
        store.save(changed.request());
      }
      return outcome;
    }
  }

  private @Nullable String invalid(Policy current, NewAccessRequest asked) {
    if (asked.kind() == AccessKind.POLICY_CHANGE) {
      return "policy-change requests are opened by the issuer when a policy edit needs approval";
    }
    if (asked.scopes().isEmpty()) {
      return "name at least one scope";
    }
    if (asked.scopes().size() > MAX_SCOPES) {
      return "a request names at most " + MAX_SCOPES + " scopes";
    }
    String purpose = asked.purpose().strip();
    if (purpose.isEmpty()) {
      return "say in a few words why the access is needed (purpose)";
    }
    if (purpose.length() > MAX_PURPOSE_CHARS) {
      return "the purpose is at most " + MAX_PURPOSE_CHARS + " characters";
    }
    ClientPolicy client = current.client(asked.clientId()).orElse(null);
    if (client == null) {
      return "the policy has no client " + asked.clientId();
    }
    Duration duration = asked.duration();
    if (duration != null && duration.compareTo(Duration.ofSeconds(1)) < 0) {
      return "the duration must be at least one second";
    }
    if (duration != null && duration.compareTo(maxException) > 0) {
      return "the duration "
          + duration
          + " is longer than the longest exception allowed, "
          + maxException;
    }
    List<String> unknown =
        asked.scopes().stream().filter(s -> !current.scopes().containsKey(s)).toList();
    if (asked.kind() == AccessKind.NARROW && asked.audience() == null) {
      if (!unknown.isEmpty()) {
        return "unknown scope(s) " + String.join(" ", unknown);
      }
      List<String> notGranted =
          asked.scopes().stream()
              .filter(
                  s -> client.audiences().values().stream().noneMatch(r -> r.scopes().contains(s)))
              .toList();
      return notGranted.isEmpty()
          ? null
          : "client "
              + asked.clientId()
              + " does not have "
              + String.join(" ", notGranted)
              + " for any audience; there is nothing to take away";
    }
    String audience = asked.audience();
    if (audience == null) {
      return "audience is required: the audience the scopes are for";
    }
    AudienceRule rule = client.rule(audience).orElse(null);
    if (rule == null) {
      return "client "
          + asked.clientId()
          + " has no rule for audience "
          + asked.audience()
          + "; an exception adds scopes to an existing rule, a new audience is a policy change";
    }
    if (!unknown.isEmpty()) {
      return "unknown scope(s) "
          + String.join(" ", unknown)
          + "; the policy's scopes are listed by"
          + " its catalogue";
    }
    if (asked.kind() == AccessKind.NARROW) {
      List<String> notGranted =
          asked.scopes().stream().filter(s -> !rule.scopes().contains(s)).toList();
      return notGranted.isEmpty()
          ? null
          : "client "
              + asked.clientId()
              + " does not have "
              + String.join(" ", notGranted)
              + " for "
              + asked.audience()
              + "; there is nothing to take away";
    }
    if (asked.scopes().contains(current.adminScope())) {
      return "the admin scope " + current.adminScope() + " is never granted by exception";
    }
    List<String> granted = asked.scopes().stream().filter(rule.scopes()::contains).toList();
    if (!granted.isEmpty()) {
      return "client "
          + asked.clientId()
          + " already has "
          + String.join(" ", granted)
          + " for "
          + asked.audience()
          + "; ask only for what its policy does not grant";
    }
    if (duration == null) {
      return "say how long the access is needed (duration, e.g. PT8H)";
    }
    return null;
  }

  private static RiskLevel riskOf(Policy current, List<String> scopes) {
    RiskLevel highest = RiskLevel.LOW;
    for (String scope : scopes) {
      ScopeDefinition definition = current.scopes().get(scope);
      if (definition != null && definition.risk().compareTo(highest) > 0) {
        highest = definition.risk();
      }
    }
    return highest;
  }

  /** The risk level as the event and the API spell it. */
  public static String riskName(RiskLevel risk) {
    return risk.name().toLowerCase(Locale.ROOT);
  }
}
