package io.tokenwatch.issuer.revocation;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.issuer.Secrets;
import io.tokenwatch.issuer.policy.Policy;
import io.tokenwatch.issuer.policy.RevocationRights;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Revocations people ask for, under the policy's {@link RevocationRights}: requested at once when
 * their kind needs one person, else kept pending until a different person with the right to request
 * that kind approves (then requested, naming both: {@code <requester>;approved-by:<second person>})
 * or refuses it, or until it lapses. Pending ones live in a {@link PendingRevocationStore}, so they
 * survive a restart and every change is an event.
 *
 * <p>Approving requests the revocation first and then records the approval: if recording fails, the
 * revocation stands and a retry requests it again, which is harmless (revocation is monotonic).
 * Decisions are serialized on this instance; two instances approving one revocation at once may
 * both request it, with the same effect. Thread-safe.
 */
public final class PersonRevocations {

  /** How long a revocation waits for a second person unless configured otherwise. */
  public static final Duration DEFAULT_PENDING_TTL = Duration.ofHours(24);

  private final RevocationService revocations;
  private final PendingRevocationStore store;
  private final Supplier<Policy> policy;
  private final Clock clock;
  private final Duration pendingTtl;
  private final Object lock = new Object();

  /**
   * @param revocations records the revocations
   * @param store keeps the pending ones
   * @param policy the policy in force, read on every call
   * @param clock the time source
   * @param pendingTtl how long one waits for a second person before it lapses
   */
  public PersonRevocations(
      RevocationService revocations,
      PendingRevocationStore store,
      Supplier<Policy> policy,
      Clock clock,
      Duration pendingTtl) {
    this.revocations = requireNonNull(revocations, "revocations");
    this.store = requireNonNull(store, "store");
    this.policy = requireNonNull(policy, "policy");
    this.clock = requireNonNull(clock, "clock");
    this.pendingTtl = requireNonNull(pendingTtl, "pendingTtl");
    if (pendingTtl.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("pendingTtl must be at least a second");
    }
  }

  /**
   * {@code person} asks for {@code revocation} (whose {@code requestedBy} is the person's {@link
   * ActingPerson#identity()}).
   *
   * @throws io.tokenwatch.issuer.EventLogUnavailableException when it cannot be recorded
   */
  public PersonRevocationOutcome request(ActingPerson person, AdminRevocation revocation) {
    requireNonNull(person, "person");
    requireNonNull(revocation, "revocation");
    RevocationRights rights = policy.get().revocationRights();
    switch (rights.verdict(revocation.kind(), person.roles())) {
      case FORBIDDEN -> {
        return forbidden(rights, revocation);
      }
      case REVOKE -> {
        RevocationOutcome outcome = revocations.revokeByAdmin(revocation);
        if (outcome instanceof RevocationOutcome.Accepted accepted) {
          return new PersonRevocationOutcome.Requested(accepted);
        }
        return invalid(outcome);
      }
      case NEEDS_SECOND_PERSON -> {
        Optional<String> problem = revocations.problem(revocation);
        if (problem.isPresent()) {
          return new PersonRevocationOutcome.Denied(
              PersonRevocationOutcome.Why.INVALID, problem.get());
        }
        Instant now = now();
        PendingRevocation pending =
            new PendingRevocation(
                "rev-" + Secrets.randomUuid(),
                revocation,
                person.id(),
                PendingRevocation.Status.PENDING,
                now,
                now.plus(pendingTtl),
                null,
                null,
                null,
                null);
        synchronized (lock) {
          store.save(pending);
        }
        return new PersonRevocationOutcome.Pending(pending);
      }
    }
    throw new AssertionError("every verdict is handled");
  }

  /**
   * The revocations waiting for a second person that {@code viewer} may decide on (their kind is
   * one the viewer may request), oldest first; their own are included, marked by {@link
   * PendingRevocation#requester()}, so they see what waits.
   */
  public List<PendingRevocation> waiting(ActingPerson viewer) {
    requireNonNull(viewer, "viewer");
    RevocationRights rights = policy.get().revocationRights();
    Instant now = now();
    List<PendingRevocation> waiting = new ArrayList<>();
    for (PendingRevocation pending : store.all()) {
      if (pending.waitingAt(now)
          && rights.mayRequest(pending.revocation().kind(), viewer.roles())) {
        waiting.add(pending);
      }
    }
    waiting.sort(
        Comparator.comparing(PendingRevocation::requestedAt).thenComparing(PendingRevocation::id));
    return waiting;
  }

  /** Whether {@code person} may revoke at least one kind, and so see what waits. */
  public boolean mayRevokeAnything(ActingPerson person) {
    RevocationRights rights = policy.get().revocationRights();
    return RevocationRights.kinds().stream().anyMatch(k -> rights.mayRequest(k, person.roles()));
  }

  /**
   * {@code approver} approves pending revocation {@code id}: it is requested, naming the requester
   * and the approver.
   *
   * @throws io.tokenwatch.issuer.EventLogUnavailableException when it cannot be recorded
   */
  public PersonRevocationOutcome approve(String id, ActingPerson approver) {
    requireNonNull(id, "id");
    requireNonNull(approver, "approver");
    synchronized (lock) {
      Instant now = now();
      PendingRevocation pending = store.get(id).orElse(null);
      PersonRevocationOutcome.Denied denied = mayDecide(pending, id, approver, now);
      if (denied != null) {
        return denied;
      }
      PendingRevocation waiting = requireNonNull(pending);
      AdminRevocation asked = waiting.revocation();
      AdminRevocation approved =
          new AdminRevocation(
              asked.kind(),
              asked.value(),
              asked.issuedBefore(),
              asked.reason(),
              asked.requestedBy() + ";approved-by:" + approver.identity(),
              asked.detail());
      RevocationOutcome outcome = revocations.revokeByAdmin(approved);
      if (!(outcome instanceof RevocationOutcome.Accepted done)) {
        return invalid(outcome);
      }
      PendingRevocation decided =
          waiting.decided(
              PendingRevocation.Status.APPROVED,
              approver.id(),
              approver.identity(),
              now,
              requireNonNull(done.receipt(), "an admin revocation always has a receipt").eventId());
      store.save(decided);
      return new PersonRevocationOutcome.Approved(decided, done);
    }
  }

  /**
   * {@code refuser} refuses pending revocation {@code id}: nothing is revoked.
   *
   * @throws io.tokenwatch.issuer.EventLogUnavailableException when it cannot be recorded
   */
  public PersonRevocationOutcome refuse(String id, ActingPerson refuser) {
    requireNonNull(id, "id");
    requireNonNull(refuser, "refuser");
    synchronized (lock) {
      Instant now = now();
      PendingRevocation pending = store.get(id).orElse(null);
      PersonRevocationOutcome.Denied denied = mayDecide(pending, id, refuser, now);
      if (denied != null) {
        return denied;
      }
      PendingRevocation decided =
          requireNonNull(pending)
              .decided(
                  PendingRevocation.Status.REFUSED, refuser.id(), refuser.identity(), now, null);
      store.save(decided);
      return new PersonRevocationOutcome.Refused(decided);
    }
  }

  /**
   * Records the lapse of every pending revocation past its end. Approval already refuses a lapsed
   * one; the record tells everyone else.
   *
   * @return the ones lapsed now
   * @throws io.tokenwatch.issuer.EventLogUnavailableException when one cannot be recorded; the next
   *     sweep retries
   */
  public List<PendingRevocation> expireDue() {
    List<PendingRevocation> lapsed = new ArrayList<>();
    synchronized (lock) {
      Instant now = now();
      for (PendingRevocation pending : store.all()) {
        if (pending.status() == PendingRevocation.Status.PENDING && !pending.waitingAt(now)) {
          PendingRevocation expired =
              pending.decided(
                  PendingRevocation.Status.EXPIRED,
                  PendingRevocation.ISSUER,
                  PendingRevocation.ISSUER,
                  now,
                  null);
          store.save(expired);
          lapsed.add(expired);
        }
      }
    }
    return lapsed;
  }

  /** The latest state of pending revocation {@code id}. */
  public Optional<PendingRevocation> get(String id) {
    return store.get(requireNonNull(id, "id"));
  }

  private PersonRevocationOutcome.@org.jspecify.annotations.Nullable Denied mayDecide(
      @org.jspecify.annotations.Nullable PendingRevocation pending,
      String id,
      ActingPerson person,
      Instant now) {
    if (pending == null) {
      return new PersonRevocationOutcome.Denied(
          PersonRevocationOutcome.Why.NOT_FOUND, "no pending revocation " + id);
    }
    if (!pending.waitingAt(now)) {
      return new PersonRevocationOutcome.Denied(
          PersonRevocationOutcome.Why.NOT_PENDING,
          "revocation "
              + id
              + " is "
              + (pending.status() == PendingRevocation.Status.PENDING
                  ? "past its end"
                  : pending.status().name().toLowerCase(java.util.Locale.ROOT))
              + "; it takes no more decisions");
    }
    if (pending.requester().equals(person.id())) {
      return new PersonRevocationOutcome.Denied(
          PersonRevocationOutcome.Why.OWN_REQUEST,
          "you asked for revocation "
              + id
              + " yourself; a second person must approve or refuse it");
    }
    RevocationRights rights = policy.get().revocationRights();
    if (!rights.mayRequest(pending.revocation().kind(), person.roles())) {
      return forbidden(rights, pending.revocation());
    }
    return null;
  }

  private static PersonRevocationOutcome.Denied forbidden(
      RevocationRights rights, AdminRevocation revocation) {
    String kind = RevocationRights.name(revocation.kind());
    List<String> roles =
        rights.rule(revocation.kind()).roles().stream()
            .sorted()
            .map(io.tokenwatch.people.Role::externalName)
            .toList();
    return new PersonRevocationOutcome.Denied(
        PersonRevocationOutcome.Why.FORBIDDEN,
        roles.isEmpty()
            ? "the policy lets nobody revoke by " + kind
            : "revoking by " + kind + " needs the role " + String.join(" or ", roles));
  }

  private static PersonRevocationOutcome.Denied invalid(RevocationOutcome outcome) {
    return new PersonRevocationOutcome.Denied(
        PersonRevocationOutcome.Why.INVALID,
        outcome instanceof RevocationOutcome.Refused refused
            ? refused.description()
            : "the revocation stream would not apply it");
  }

  /** Now, in the milliseconds the event keeps, so a state read back equals the one decided. */
  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }
}
