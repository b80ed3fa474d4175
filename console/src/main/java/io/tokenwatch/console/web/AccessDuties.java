package io.tokenwatch.console.web;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.console.source.AccessRequestView;
import io.tokenwatch.people.Role;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a person may do with an access request, and why not, shown before they click: the issuer's
 * separation-of-duties rules (its {@code AccessRules}) mirrored for the page. The issuer still
 * decides every action; a button the page shows that the issuer then refuses shows the issuer's
 * refusal. Stateless.
 */
public final class AccessDuties {

  private AccessDuties() {}

  /** The actions on an access request. */
  public enum Action {
    APPROVE,
    REFUSE,
    REVIEW,
    CANCEL;

    /** The path segment and the button's value: {@code approve}, ... */
    public String path() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The button's label. */
    public String label() {
      return switch (this) {
        case APPROVE -> "Approve";
        case REFUSE -> "Refuse";
        case REVIEW -> "Mark reviewed";
        case CANCEL -> "Cancel request";
      };
    }
  }

  /**
   * What the page offers one person for one request.
   *
   * @param actions the buttons shown
   * @param notes why buttons are absent, or what the request still waits for, in plain words
   */
  public record Offer(Set<Action> actions, List<String> notes) {
    public Offer {
      actions = actions.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(actions));
      notes = List.copyOf(notes);
    }

    /** Whether {@code action}'s button is shown. */
    public boolean has(Action action) {
      return actions.contains(action);
    }

    /** The buttons in a fixed order. */
    public List<Action> ordered() {
      return EnumSet.allOf(Action.class).stream().filter(actions::contains).toList();
    }
  }

  /** What {@code person}, holding {@code roles}, may do with {@code request}. */
  public static Offer offer(String person, Set<Role> roles, AccessRequestView request) {
    requireNonNull(person, "person");
    requireNonNull(roles, "roles");
    requireNonNull(request, "request");
    Set<Action> actions = EnumSet.noneOf(Action.class);
    List<String> notes = new ArrayList<>();
    boolean approver = roles.contains(Role.APPROVER);
    boolean auditor = roles.contains(Role.AUDITOR);
    boolean asked = request.askedBy(person);
    boolean approved = request.approvedBy(person);
    if (request.pending()) {
      if (asked) {
        notes.add("You asked for this: another approver must decide.");
      } else if (approver && approved) {
        notes.add("You approved this: a second, different approver must give the next approval.");
      } else if (approver) {
        actions.add(Action.APPROVE);
        actions.add(Action.REFUSE);
      }
      if (request.approvals().size() > 0 && request.approvalsMissing() > 0) {
        notes.add(
            request.approvals().size()
                + " of "
                + request.approvalsRequired()
                + " approvals: a second person is needed.");
      }
    }
    if (auditor && request.status().equals("approved")) {
      if (approved) {
        notes.add("You approved this: another auditor must review it.");
      } else if (asked) {
        notes.add("You asked for this: another auditor must review it.");
      } else if (request.reviewedBy(person)) {
        notes.add("You have reviewed this.");
      } else {
        actions.add(Action.REVIEW);
      }
    }
    if (asked && (request.pending() || request.status().equals("approved"))) {
      actions.add(Action.CANCEL);
    }
    return new Offer(actions, notes);
  }

  /** The approvals a request needs, in words: "two different approvers (high risk)". */
  public static String needs(AccessRequestView request) {
    return (request.approvalsRequired() >= 2 ? "two different approvers" : "one approver")
        + " ("
        + request.risk()
        + " risk)";
  }
}
