package io.tokenwatch.issuer.access;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.issuer.policy.AudienceRule;
import io.tokenwatch.issuer.policy.Binding;
import io.tokenwatch.issuer.policy.ClientKind;
import io.tokenwatch.issuer.policy.ClientPolicy;
import io.tokenwatch.issuer.policy.Policy;
import io.tokenwatch.issuer.policy.RiskLevel;
import io.tokenwatch.issuer.policy.ScopeDefinition;
import io.tokenwatch.issuer.testkit.InMemoryAccessRequestStore;
import io.tokenwatch.testing.fixtures.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Separation of duties against a plain model: random sequences of requests, approvals, refusals,
 * reviews, cancellations and expiries by random people with random roles (requesters acting on
 * their own requests and approvers repeating themselves included) must leave the real service and a
 * model written from the rules' plain statement in the same state after every step, and never yield
 * an approval the rules forbid.
 */
class SeparationOfDutiesPropertiesTest {

  private static final List<String> PEOPLE = List.of("ann", "bob", "cid", "dee");
  private static final String LOW = "orders:write";
  private static final String HIGH = "orders:export";

  enum Op {
    REQUEST,
    APPROVE,
    REFUSE,
    REVIEW,
    CANCEL,
    TIME_PASSES
  }

  /**
   * One step: {@code person} with {@code duties} does {@code op} on the {@code target}-th request
   * opened so far (modulo their number).
   */
  record Step(Op op, String person, Set<Duty> duties, int target, boolean highRisk, int minutes) {}

  /** The model's view of one request. */
  static final class ModelRequest {
    final String requester;
    final int required;
    final Duration duration;
    final List<String> approvers = new ArrayList<>();
    final List<String> reviewers = new ArrayList<>();
    AccessStatus status = AccessStatus.PENDING;
    Instant until = Instant.MAX;

    ModelRequest(String requester, boolean highRisk, Duration duration) {
      this.requester = requester;
      this.required = highRisk ? 2 : 1;
      this.duration = duration;
    }
  }

  @Property(tries = 300)
  void shouldAgreeWithThePlainModelAndNeverBreakSeparationOfDuties(
      @ForAll("steps") List<Step> steps) {
    MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    InMemoryAccessRequestStore store = new InMemoryAccessRequestStore();
    AccessRequests service = new AccessRequests(store, () -> POLICY, clock, Duration.ofDays(30));
    List<String> ids = new ArrayList<>();
    Map<String, ModelRequest> model = new HashMap<>();

    for (Step step : steps) {
      Actor actor = new Actor(step.person(), step.duties());
      if (step.op() == Op.REQUEST) {
        Duration duration = Duration.ofMinutes(10L * (1 + step.minutes()));
        AccessOutcome outcome =
            service.request(
                actor,
                new NewAccessRequest(
                    AccessKind.SCOPE,
                    "svc",
                    "https://orders",
                    List.of(step.highRisk() ? HIGH : LOW),
                    "a purpose",
                    duration));
        assertThat(outcome).isInstanceOf(AccessOutcome.Changed.class);
        String id = ((AccessOutcome.Changed) outcome).request().id();
        ids.add(id);
        model.put(id, new ModelRequest(step.person(), step.highRisk(), duration));
        continue;
      }
      if (step.op() == Op.TIME_PASSES) {
        clock.advance(Duration.ofMinutes(step.minutes()));
        service.expireDue();
        for (ModelRequest request : model.values()) {
          if (request.status == AccessStatus.APPROVED && !clock.instant().isBefore(request.until)) {
            request.status = AccessStatus.EXPIRED;
          }
        }
      } else if (!ids.isEmpty()) {
        String id = ids.get(step.target() % ids.size());
        ModelRequest expected = model.get(id);
        boolean allowed = modelAllows(step, expected, clock.instant());
        AccessOutcome outcome =
            switch (step.op()) {
              case APPROVE -> service.approve(id, actor, null);
              case REFUSE -> service.refuse(id, actor, null);
              case REVIEW -> service.review(id, actor, null);
              case CANCEL -> service.cancel(id, actor);
              default -> throw new AssertionError(step.op());
            };
        assertThat(outcome instanceof AccessOutcome.Changed)
            .as("%s by %s %s on %s", step.op(), step.person(), step.duties(), expected.status)
            .isEqualTo(allowed);
      }
      for (String id : ids) {
        AccessRequest actual = service.get(id).orElseThrow();
        ModelRequest expected = model.get(id);
        assertThat(actual.status()).as(id).isEqualTo(expected.status);
        assertThat(actual.approvals().stream().map(PersonDecision::person).toList())
            .isEqualTo(expected.approvers);
        assertThat(actual.reviews().stream().map(PersonDecision::person).toList())
            .isEqualTo(expected.reviewers);
        assertThat(actual.approvalsRequired()).isEqualTo(expected.required);
        assertSeparationOfDuties(actual);
        boolean inForce =
            service.exceptions().stream()
                .anyMatch(e -> e.id().equals(actual.exceptionId()) && e.inForceAt(clock.instant()));
        assertThat(inForce)
            .as("exception of %s in force", id)
            .isEqualTo(
                expected.status == AccessStatus.APPROVED
                    && clock.instant().isBefore(expected.until));
      }
    }
    for (AccessRequest saved : store.saved()) {
      assertSeparationOfDuties(saved);
    }
  }

  /** The rules in their plain statement, applied to the model; updates it when allowed. */
  private static boolean modelAllows(Step step, ModelRequest request, Instant now) {
    String person = step.person();
    switch (step.op()) {
      case APPROVE -> {
        if (!step.duties().contains(Duty.APPROVER)
            || person.equals(request.requester)
            || request.status != AccessStatus.PENDING
            || request.approvers.contains(person)) {
          return false;
        }
        request.approvers.add(person);
        if (request.approvers.size() >= request.required) {
          request.status = AccessStatus.APPROVED;
          request.until = now.plus(request.duration);
        }
        return true;
      }
      case REFUSE -> {
        if (!step.duties().contains(Duty.APPROVER)
            || person.equals(request.requester)
            || request.status != AccessStatus.PENDING
            || request.approvers.contains(person)) {
          return false;
        }
        request.status = AccessStatus.REFUSED;
        return true;
      }
      case REVIEW -> {
        if (!step.duties().contains(Duty.AUDITOR)
            || request.approvers.contains(person)
            || person.equals(request.requester)
            || request.status != AccessStatus.APPROVED
            || request.reviewers.contains(person)) {
          return false;
        }
        request.reviewers.add(person);
        return true;
      }
      case CANCEL -> {
        if (!person.equals(request.requester)
            || (request.status != AccessStatus.PENDING
                && request.status != AccessStatus.APPROVED)) {
          return false;
        }
        request.status = AccessStatus.CANCELLED;
        return true;
      }
      default -> throw new AssertionError(step.op());
    }
  }

  private static void assertSeparationOfDuties(AccessRequest request) {
    Set<String> approvers = new LinkedHashSet<>();
    for (PersonDecision approval : request.approvals()) {
      assertThat(approvers.add(approval.person())).as("approver repeated").isTrue();
    }
    assertThat(approvers).doesNotContain(request.requester());
    if (request.status() == AccessStatus.APPROVED) {
      assertThat(approvers.size()).isGreaterThanOrEqualTo(request.approvalsRequired());
      if (request.scopes().contains(HIGH)) {
        assertThat(approvers).hasSizeGreaterThanOrEqualTo(2);
      }
    }
    for (PersonDecision review : request.reviews()) {
      assertThat(approvers).doesNotContain(review.person());
    }
  }

  @Provide
  Arbitrary<List<Step>> steps() {
    Arbitrary<Set<Duty>> duties = Arbitraries.of(Duty.class).set().ofMaxSize(2);
    Arbitrary<Step> step =
        Combinators.combine(
                Arbitraries.frequency(
                    net.jqwik.api.Tuple.of(3, Op.REQUEST),
                    net.jqwik.api.Tuple.of(6, Op.APPROVE),
                    net.jqwik.api.Tuple.of(2, Op.REFUSE),
                    net.jqwik.api.Tuple.of(3, Op.REVIEW),
                    net.jqwik.api.Tuple.of(1, Op.CANCEL),
                    net.jqwik.api.Tuple.of(2, Op.TIME_PASSES)),
                Arbitraries.of(PEOPLE),
                duties,
                Arbitraries.integers().between(0, 7),
                Arbitraries.of(true, false),
                Arbitraries.integers().between(0, 90))
            .as(Step::new);
    return step.list().ofMinSize(1).ofMaxSize(40);
  }

  private static final Policy POLICY =
      new Policy(
          "p",
          "v1",
          Map.of(
              "svc",
              new ClientPolicy(
                  "svc",
                  ClientKind.MACHINE,
                  null,
                  null,
                  Map.of(
                      "https://orders",
                      new AudienceRule(
                          "svc/https://orders",
                          "https://orders",
                          Set.of("orders:read"),
                          Duration.ofMinutes(5),
                          Duration.ofMinutes(15),
                          null,
                          Binding.NONE,
                          null)),
                  false)),
          Map.of(
              "orders:read",
              new ScopeDefinition("orders:read", "read", RiskLevel.LOW),
              LOW,
              new ScopeDefinition(LOW, "write", RiskLevel.MEDIUM),
              HIGH,
              new ScopeDefinition(HIGH, "export", RiskLevel.HIGH)),
          Set.of(),
          Policy.DEFAULT_ADMIN_SCOPE);
}
