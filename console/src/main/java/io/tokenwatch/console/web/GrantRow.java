package io.tokenwatch.console.web;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * One grant as the Grants page shows it: the issuance, its state now, and what stood behind it (the
 * audit API's {@code /grants} item). Texts are empty when the history has nothing to say.
 */
public record GrantRow(
    String tokenId,
    String grantedAt,
    String subject,
    String clientId,
    String audience,
    String scopes,
    String grantType,
    String grantedBy,
    String reason,
    String policy,
    String state,
    String revocation,
    String consent,
    String exception,
    String policyChange,
    String timeline) {

  public GrantRow {
    requireNonNull(tokenId, "tokenId");
    requireNonNull(grantedAt, "grantedAt");
    requireNonNull(state, "state");
    requireNonNull(timeline, "timeline");
  }

  /** A row from one item of the audit API's {@code grants}. */
  static GrantRow of(JsonNode g) {
    String tokenId = g.path("token_id").asText("");
    JsonNode revoked = g.path("revocation");
    String revocation =
        revoked.isObject()
            ? join(
                "revoked at " + revoked.path("at").asText(),
                "by " + revoked.path("by").asText("?"),
                revoked.path("reason").asText(""),
                "(" + revoked.path("selector").asText("") + ")")
            : "";
    JsonNode c = g.path("consent");
    String consent = "";
    if (c.isObject()) {
      consent =
          "consent "
              + c.path("consent_id").asText()
              + " by "
              + c.path("user").asText()
              + " for \""
              + c.path("purpose").asText()
              + "\", granted "
              + list(c.path("granted_scopes"));
      JsonNode withdrawn = c.path("withdrawn");
      if (withdrawn.isObject()) {
        consent +=
            "; withdrawn at "
                + withdrawn.path("at").asText()
                + " by "
                + withdrawn.path("by").asText()
                + " ("
                + withdrawn.path("reason").asText()
                + ")";
      }
    }
    JsonNode e = g.path("exception");
    String exception =
        e.isObject()
            ? "exception "
                + e.path("exception_id").asText()
                + " (request "
                + e.path("request_id").asText()
                + " by "
                + e.path("requester").asText()
                + " for \""
                + e.path("purpose").asText()
                + "\", approved by "
                + (e.path("approved_by").isEmpty() ? "nobody" : list(e.path("approved_by")))
                + ", "
                + e.path("status").asText()
                + ")"
            : "";
    JsonNode p = g.path("policy_change");
    String policyChange =
        p.isObject()
            ? "version "
                + p.path("version").asText()
                + " by "
                + p.path("author").asText()
                + " ("
                + p.path("source").asText()
                + ", "
                + p.path("changed_at").asText()
                + ")"
            : "";
    return new GrantRow(
        tokenId,
        g.path("granted_at").asText(""),
        g.path("subject").asText(""),
        g.path("client_id").asText(""),
        g.path("audience").asText(""),
        list(g.path("scopes")),
        g.path("grant_type").asText(""),
        g.path("granted_by").asText(""),
        g.path("reason").asText(""),
        join(g.path("policy_id").asText(""), g.path("policy_version").asText("")),
        g.path("state").asText("unknown"),
        revocation,
        consent,
        exception,
        policyChange,
        Inputs.link("/timeline", java.util.Map.of("token", tokenId)));
  }

  /** The CSS class of the state badge. */
  public String stateClass() {
    return switch (state) {
      case "active" -> "badge status-good";
      case "revoked" -> "badge status-bad";
      default -> "badge status-warn";
    };
  }

  static String list(JsonNode array) {
    List<String> items = new ArrayList<>();
    array.forEach(item -> items.add(item.asText()));
    return String.join(" ", items);
  }

  private static String join(String... parts) {
    List<String> kept = new ArrayList<>();
    for (String part : parts) {
      if (!part.isBlank() && !part.equals("()")) {
        kept.add(part);
      }
    }
    return String.join(" ", kept);
  }
}
