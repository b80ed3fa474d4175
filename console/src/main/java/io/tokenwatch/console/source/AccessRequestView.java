package io.tokenwatch.console.source;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One access request as the issuer's {@code GET /access-requests} answers it: what is asked, by
 * whom and why, its risk, how many approvers it needs, every decision so far and where it stands.
 * Read from JSON by {@link #fromJson}; the console shows it and decides nothing from it (the issuer
 * enforces every rule).
 *
 * @param id the request id ({@code req-...})
 * @param kind what kind of request: scope, narrow or policy_change
 * @param status {@code pending}, {@code approved}, {@code refused}, {@code cancelled} or {@code
 *     expired}
 * @param requester who asked
 * @param clientId the client concerned, if any
 * @param audience the audience concerned, if any
 * @param scopes the scopes asked for (or, for {@code narrow}, to take away)
 * @param risk the highest risk among the scopes
 * @param purpose why, in the requester's words
 * @param duration how long the access is asked for (ISO-8601), if any
 * @param policyDigest for a policy change, the proposed document's version
 * @param approvalsRequired how many distinct approvers it needs (1 or 2)
 * @param approvals the approvals so far, oldest first
 * @param refusal the refusal that ended it, if any
 * @param reviews the audit reviews so far
 * @param exceptionId once approved, the policy exception it granted
 * @param exceptionUntil when that exception ends
 * @param changedBy who made the latest change
 * @param changedAt when
 * @param detail the latest change in plain words, as the issuer put it
 */
public record AccessRequestView(
    String id,
    String kind,
    String status,
    String requester,
    @Nullable String clientId,
    @Nullable String audience,
    List<String> scopes,
    String risk,
    String purpose,
    @Nullable String duration,
    @Nullable String policyDigest,
    int approvalsRequired,
    List<Decision> approvals,
    @Nullable Decision refusal,
    List<Decision> reviews,
    @Nullable String exceptionId,
    @Nullable String exceptionUntil,
    String changedBy,
    String changedAt,
    String detail) {

  public AccessRequestView {
    requireNonNull(id, "id");
    requireNonNull(kind, "kind");
    requireNonNull(status, "status");
    requireNonNull(requester, "requester");
    scopes = List.copyOf(requireNonNull(scopes, "scopes"));
    requireNonNull(risk, "risk");
    requireNonNull(purpose, "purpose");
    approvals = List.copyOf(requireNonNull(approvals, "approvals"));
    reviews = List.copyOf(requireNonNull(reviews, "reviews"));
    requireNonNull(changedBy, "changedBy");
    requireNonNull(changedAt, "changedAt");
    requireNonNull(detail, "detail");
    if (approvalsRequired < 1) {
      throw new IllegalArgumentException("approvalsRequired must be at least 1");
    }
  }

  /**
   * One person's approval, refusal or review.
   *
   * @param person who decided
   * @param decidedAt when (ISO-8601)
   * @param comment what they said, if anything
   */
  public record Decision(String person, String decidedAt, @Nullable String comment) {
    public Decision {
      requireNonNull(person, "person");
      requireNonNull(decidedAt, "decidedAt");
    }
  }

  /** The id cut to its first 12 characters, for tables; pages show it whole. */
  public String shortId() {
    return id.length() <= 12 ? id : id.substring(0, 12) + "…";
  }

  /** Whether it waits for decisions. */
  public boolean pending() {
    return status.equals("pending");
  }

  /** Whether {@code person} asked for it. */
  public boolean askedBy(String person) {
    return requester.equals(person);
  }

  /** Whether {@code person} approved it. */
  public boolean approvedBy(String person) {
    return approvals.stream().anyMatch(d -> d.person().equals(person));
  }

  /** Whether {@code person} reviewed it. */
  public boolean reviewedBy(String person) {
    return reviews.stream().anyMatch(d -> d.person().equals(person));
  }

  /** How many more approvals it waits for (0 once it has them all). */
  public int approvalsMissing() {
    return Math.max(0, approvalsRequired - approvals.size());
  }

  /** What is asked, in a few words: {@code orders:export for orders-service at https://...}. */
  public String asked() {
    String what = String.join(" ", scopes);
    return switch (kind) {
      case "policy_change" ->
          "policy change " + (policyDigest == null ? "" : policyDigest) + " adding " + what;
      case "narrow" ->
          "take away "
              + what
              + " from "
              + clientId
              + (audience == null ? " at every audience" : " at " + audience);
      default -> what + " for " + clientId + " at " + audience;
    };
  }

  /**
   * Reads one request from the issuer's JSON.
   *
   * @throws IllegalArgumentException when a required field is missing or of the wrong type
   */
  public static AccessRequestView fromJson(JsonNode node) {
    requireNonNull(node, "node");
    if (!node.isObject()) {
      throw new IllegalArgumentException("an access request must be a JSON object");
    }
    List<String> scopes = new ArrayList<>();
    for (JsonNode scope : array(node, "scopes")) {
      scopes.add(scope.asText());
    }
    JsonNode refusal = node.get("refusal");
    JsonNode required = node.get("approvals_required");
    if (required == null || !required.isInt()) {
      throw new IllegalArgumentException("approvals_required must be a number");
    }
    return new AccessRequestView(
        text(node, "id"),
        text(node, "kind"),
        text(node, "status"),
        text(node, "requester"),
        optional(node, "client_id"),
        optional(node, "audience"),
        scopes,
        text(node, "risk"),
        text(node, "purpose"),
        optional(node, "duration"),
        optional(node, "policy_digest"),
        required.asInt(),
        decisions(array(node, "approvals")),
        refusal == null || refusal.isNull() ? null : decision(refusal),
        decisions(array(node, "reviews")),
        optional(node, "exception_id"),
        optional(node, "exception_until"),
        text(node, "changed_by"),
        text(node, "changed_at"),
        text(node, "detail"));
  }

  private static List<Decision> decisions(JsonNode array) {
    List<Decision> out = new ArrayList<>();
    for (JsonNode decision : array) {
      out.add(decision(decision));
    }
    return out;
  }

  private static Decision decision(JsonNode node) {
    return new Decision(text(node, "person"), text(node, "decided_at"), optional(node, "comment"));
  }

  private static JsonNode array(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isArray()) {
      throw new IllegalArgumentException(field + " must be a list");
    }
    return value;
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual()) {
      throw new IllegalArgumentException(field + " must be a string");
    }
    return value.asText();
  }

  private static @Nullable String optional(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw new IllegalArgumentException(field + " must be a string or null");
    }
    return value.asText();
  }
}
