package io.tokenwatch.console.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.console.source.AccessRequestView;
import io.tokenwatch.issuer.access.AccessChange;
import io.tokenwatch.issuer.access.AccessKind;
import io.tokenwatch.issuer.access.AccessOutcome;
import io.tokenwatch.issuer.access.AccessRequest;
import io.tokenwatch.issuer.access.AccessRules;
import io.tokenwatch.issuer.access.AccessStatus;
import io.tokenwatch.issuer.access.Actor;
import io.tokenwatch.issuer.access.Duty;
import io.tokenwatch.issuer.access.PersonDecision;
import io.tokenwatch.issuer.policy.RiskLevel;
import io.tokenwatch.people.Role;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The buttons the console offers on an access request agree with what the issuer's own
 * separation-of-duties rules ({@link AccessRules}, the reference) would allow: every button shown
 * is an action the issuer accepts, and every action the issuer accepts has its button.
 */
class AccessDutiesPropertiesTest {

  static final List<String> PEOPLE = List.of("uma", "ann", "amy", "aude", "adam");
  static final Instant NOW = Instant.parse("2026-12-05T10:00:00Z");

  @Property(tries = 2000)
  void shouldOfferExactlyTheActionsTheIssuerAllows(
      @ForAll("people") String requester,
      @ForAll AccessStatus status,
      @ForAll RiskLevel risk,
      @ForAll("groups") Set<String> approvers,
      @ForAll("groups") Set<String> reviewers,
      @ForAll("people") String person,
      @ForAll("roles") Set<Role> roles) {
    int required = AccessRules.approvalsRequired(risk);
    List<PersonDecision> approvals =
        PEOPLE.stream()
            .filter(approvers::contains)
            .map(p -> new PersonDecision(p, NOW, null))
            .toList();
    List<PersonDecision> reviews =
        PEOPLE.stream()
            .filter(reviewers::contains)
            .map(p -> new PersonDecision(p, NOW, null))
            .toList();
    AccessRequest request;
    try {
      request =
          new AccessRequest(
              "req-00000000-0000-0000-0000-000000000001",
              AccessKind.SCOPE,
              requester,
              "orders-service",
              "https://orders.example.com",
              List.of("orders:export"),
              risk,
              "quarterly export",
              Duration.ofHours(8),
              null,
              required,
              approvals,
              null,
              reviews,
              status,
              null,
              null,
              AccessChange.REQUESTED,
              requester,
              NOW,
              "asked");
    } catch (IllegalArgumentException unreachable) {
      // A state the issuer never holds (an approver who asked, an approved request short of
      // approvals): nothing to compare.
      Assume.that(false);
      return;
    }
    AccessRequestView view =
        new AccessRequestView(
            request.id(),
            "scope",
            status.name().toLowerCase(Locale.ROOT),
            requester,
            request.clientId(),
            request.audience(),
            request.scopes(),
            risk.name().toLowerCase(Locale.ROOT),
            request.purpose(),
            "PT8H",
            null,
            required,
            approvals.stream()
                .map(d -> new AccessRequestView.Decision(d.person(), NOW.toString(), null))
                .toList(),
            null,
            reviews.stream()
                .map(d -> new AccessRequestView.Decision(d.person(), NOW.toString(), null))
                .toList(),
            null,
            null,
            requester,
            NOW.toString(),
            "asked");
    Set<Duty> duties = EnumSet.noneOf(Duty.class);
    if (roles.contains(Role.APPROVER)) {
      duties.add(Duty.APPROVER);
    }
    if (roles.contains(Role.AUDITOR)) {
      duties.add(Duty.AUDITOR);
    }
    Actor actor = new Actor(person, duties);

    AccessDuties.Offer offer = AccessDuties.offer(person, roles, view);

    assertThat(offer.has(AccessDuties.Action.APPROVE))
        .as("approve")
        .isEqualTo(allowed(AccessRules.approve(request, actor, null, NOW)));
    assertThat(offer.has(AccessDuties.Action.REFUSE))
        .as("refuse")
        .isEqualTo(allowed(AccessRules.refuse(request, actor, null, NOW)));
    assertThat(offer.has(AccessDuties.Action.REVIEW))
        .as("review")
        .isEqualTo(allowed(AccessRules.review(request, actor, null, NOW)));
    assertThat(offer.has(AccessDuties.Action.CANCEL))
        .as("cancel")
        .isEqualTo(allowed(AccessRules.cancel(request, actor, NOW)));
  }

  private static boolean allowed(AccessOutcome outcome) {
    return outcome instanceof AccessOutcome.Changed;
  }

  @Provide
  Arbitrary<String> people() {
    return Arbitraries.of(PEOPLE);
  }

  @Provide
  Arbitrary<Set<String>> groups() {
    return Arbitraries.of(PEOPLE).set().ofMaxSize(3);
  }

  @Provide
  Arbitrary<Set<Role>> roles() {
    return Arbitraries.of(Role.class).set();
  }
}
