package io.tokenwatch.issuer.policy.history;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.issuer.policy.ChangeGate;
import io.tokenwatch.issuer.policy.InvalidPolicyException;
import io.tokenwatch.issuer.policy.Policy;
import io.tokenwatch.issuer.policy.PolicyParser;
import io.tokenwatch.issuer.policy.RiskLevel;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policy history and the approval gate in front of it. As the {@link ChangeGate} of the {@link
 * io.tokenwatch.issuer.policy.PolicyHolder}, it records every policy that comes into force as the
 * next version (through {@link PolicyHistoryLog}), and holds back a change that gives a client a
 * scope of risk at or above the approval threshold that the policy in force does not give it, until
 * {@link ChangeApprovals} says it was approved. Narrowing changes and lower-risk widenings come
 * into force at once.
 *
 * <p>Several issuer instances share one history: a change another instance already recorded (same
 * previous version, same digest) is not written again, and a version number another change took
 * first makes this one rebase onto it.
 *
 * <p>Thread-safe.
 */
public final class PolicyHistory implements ChangeGate {

  /** The author of changes made by editing the policy file. */
  public static final String FILE_AUTHOR = "policy-file";

  private static final Logger LOG = LoggerFactory.getLogger(PolicyHistory.class);
  private static final int RECORD_ATTEMPTS = 5;

  /**
   * A valid document held back until approved.
   *
   * @param digest its digest (the policy version it would have)
   * @param requestId the access request that must approve it
   * @param requester who asked for it
   * @param grants what it adds at or above the approval threshold
   * @param diff everything it changes against the policy in force
   * @param since when it was first held
   */
  public record PendingChange(
      String policyId,
      String digest,
      String requestId,
      String requester,
      List<PolicyDiff.Grant> grants,
      String diff,
      Instant since) {
    public PendingChange {
      requireNonNull(policyId, "policyId");
      requireNonNull(digest, "digest");
      requireNonNull(requestId, "requestId");
      requireNonNull(requester, "requester");
      grants = List.copyOf(requireNonNull(grants, "grants"));
      requireNonNull(diff, "diff");
      requireNonNull(since, "since");
    }
  }

  private record RollbackIntent(String author, long version) {}

  private final PolicyHistoryLog log;
  private final ChangeApprovals approvals;
  private final RiskLevel approvalRisk;
  private final PolicyParser parser;
  private final Clock clock;
  private final Map<String, RollbackIntent> rollbacks = new ConcurrentHashMap<>();
  private volatile @Nullable PendingChange pending;

  /**
   * @param log where versions are kept
   * @param approvals where widening changes are approved
   * @param approvalRisk the lowest risk whose new grants need approval
   * @param parser reads recorded documents, to diff against the latest version
   */
  public PolicyHistory(
      PolicyHistoryLog log,
      ChangeApprovals approvals,
      RiskLevel approvalRisk,
      PolicyParser parser,
      Clock clock) {
    this.log = requireNonNull(log, "log");
    this.approvals = requireNonNull(approvals, "approvals");
    this.approvalRisk = requireNonNull(approvalRisk, "approvalRisk");
    this.parser = requireNonNull(parser, "parser");
    this.clock = requireNonNull(clock, "clock");
  }

  /** Every version of that policy, oldest first. */
  public List<PolicyVersion> versions(String policyId) {
    return log.versions(policyId);
  }

  /** The version of that policy numbered {@code version}, if recorded. */
  public Optional<PolicyVersion> version(String policyId, long version) {
    return log.versions(policyId).stream().filter(v -> v.version() == version).findFirst();
  }

  /** The latest version of that policy, empty before the first. */
  public Optional<PolicyVersion> latest(String policyId) {
    List<PolicyVersion> versions = log.versions(policyId);
    return versions.isEmpty() ? Optional.empty() : Optional.of(versions.get(versions.size() - 1));
  }

  /** The change waiting for approval, if any. */
  public Optional<PendingChange> pending() {
    return Optional.ofNullable(pending);
  }

  /** The lowest risk whose new grants need approval. */
  public RiskLevel approvalRisk() {
    return approvalRisk;
  }

  /** The differences between two recorded versions. */
  public PolicyDiff diff(PolicyVersion from, PolicyVersion to) {
    return PolicyDiff.between(parse(from), parse(to));
  }

  @Override
  public Optional<byte[]> lastInForce(String policyId) {
    return latest(policyId).map(v -> v.document().getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public Verdict review(
      @Nullable Policy current, Policy candidate, byte[] document, boolean startup) {
    requireNonNull(candidate, "candidate");
    requireNonNull(document, "document");
    RollbackIntent rollback = rollbacks.get(candidate.version());
    String requester = rollback == null ? FILE_AUTHOR : rollback.author();
    ChangeApprovals.Approval approval = null;
    if (current != null) {
      List<PolicyDiff.Grant> risky =
          PolicyDiff.addedGrants(current, candidate).stream()
              .filter(grant -> grant.risk().compareTo(approvalRisk) >= 0)
              .toList();
      if (!risky.isEmpty()) {
        approval = approvals.approval(candidate.version()).orElse(null);
        if (approval == null) {
          return hold(current, candidate, requester, risky);
        }
      }
    }
    ChangeSource source;
    if (rollback != null) {
      source = ChangeSource.ROLLBACK;
    } else if (approval != null) {
      source = ChangeSource.APPROVED_CHANGE;
    } else {
      source = startup ? ChangeSource.STARTUP : ChangeSource.FILE_RELOAD;
    }
    record(
        current,
        candidate,
        new String(document, StandardCharsets.UTF_8),
        source,
        requester,
        approval == null ? List.of() : approval.lines(),
        rollback == null ? null : rollback.version());
    // A rollback is meant for the document it restores, now: once another comes into force, an
    // intent left over (a held rollback dropped by an edit) must not name a later edit's author.
    rollbacks.clear();
    pending = null;
    return new Verdict.Admit();
  }

  /** Marks the document with that digest, when it is next reviewed, as a rollback by author. */
  void expectRollback(String digest, String author, long version) {
    rollbacks.put(digest, new RollbackIntent(author, version));
  }

  private Verdict hold(
      Policy current, Policy candidate, String requester, List<PolicyDiff.Grant> risky) {
    String reason =
        "it gives "
            + risky.stream().map(PolicyHistory::describe).collect(Collectors.joining(", "))
            + ", at or above the approval threshold ("
            + approvalRisk.name().toLowerCase(Locale.ROOT)
            + ")";
    PendingChange held = pending;
    if (held == null || !held.digest().equals(candidate.version())) {
      String diff = PolicyDiff.between(current, candidate).render();
      Set<String> scopes =
          risky.stream()
              .map(PolicyDiff.Grant::scope)
              .collect(Collectors.toCollection(java.util.LinkedHashSet::new));
      String requestId =
          approvals.open(
              new ChangeApprovals.ChangeRequest(
                  requester,
                  candidate.id(),
                  candidate.version(),
                  List.copyOf(scopes),
                  risky,
                  risky.get(0).risk(),
                  "Policy change to version "
                      + candidate.version()
                      + " by "
                      + requester
                      + ":\n"
                      + diff));
      held =
          new PendingChange(
              candidate.id(),
              candidate.version(),
              requestId,
              requester,
              risky,
              diff,
              clock.instant());
      pending = held;
      LOG.warn(
          "Policy change to {} not in force: {}; it waits for approval of access request {}",
          candidate.version(),
          reason,
          requestId);
    }
    return new Verdict.Hold(
        reason + "; waiting for approval of access request " + held.requestId());
  }

  private void record(
      @Nullable Policy current,
      Policy candidate,
      String document,
      ChangeSource source,
      String author,
      List<String> approvalLines,
      @Nullable Long rolledBackTo) {
    for (int attempt = 1; attempt <= RECORD_ATTEMPTS; attempt++) {
      Optional<PolicyVersion> latest = latest(candidate.id());
      if (latest.isPresent() && latest.get().digest().equals(candidate.version())) {
        return; // another instance recorded this very change
      }
      Policy base = latest.map(this::parseQuietly).orElse(null);
      if (base == null) {
        base = current;
      }
      PolicyDiff diff = PolicyDiff.between(base == null ? empty(candidate) : base, candidate);
      PolicyVersion next =
          new PolicyVersion(
              candidate.id(),
              latest.map(v -> v.version() + 1).orElse(1L),
              candidate.version(),
              latest.map(PolicyVersion::version).orElse(null),
              source,
              author,
              diff.render(),
              document,
              approvalLines,
              rolledBackTo,
              clock.instant());
      PolicyVersion recorded = log.append(next);
      if (recorded.digest().equals(next.digest())) {
        LOG.info(
            "Policy {} version {} ({}, {}) recorded by {}",
            recorded.policyId(),
            recorded.version(),
            recorded.digest(),
            recorded.source(),
            recorded.author());
        return;
      }
      LOG.info(
          "Policy history version {} was taken by another change ({}); recording {} after it",
          recorded.version(),
          recorded.digest(),
          candidate.version());
    }
    throw new IllegalStateException(
        "policy version " + candidate.version() + " not recorded: the history kept changing");
  }

  private Policy parse(PolicyVersion version) {
    return parser.parse(version.document().getBytes(StandardCharsets.UTF_8));
  }

  private @Nullable Policy parseQuietly(PolicyVersion version) {
    try {
      return parse(version);
    } catch (InvalidPolicyException e) {
      return null;
    }
  }

  private static Policy empty(Policy like) {
    return new Policy(like.id(), "", Map.of(), Map.of(), Set.of(), like.adminScope());
  }

  private static String describe(PolicyDiff.Grant grant) {
    return grant.clientId()
        + " "
        + grant.scope()
        + " for "
        + grant.audience()
        + " ("
        + grant.risk().name().toLowerCase(Locale.ROOT)
        + ")";
  }
}
