package io.tokenwatch.console.web;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * One record of a timeline: when, what, where it was decided, who acted, and where it stands in the
 * audit chain (its position and the signed checkpoint that sealed it, or none yet).
 */
public record TimelineRow(
    String at,
    String type,
    String what,
    String where,
    String decision,
    String actor,
    String chain,
    String sealing,
    boolean sealed) {

  public TimelineRow {
    requireNonNull(at, "at");
    requireNonNull(type, "type");
    requireNonNull(what, "what");
    requireNonNull(where, "where");
    requireNonNull(decision, "decision");
    requireNonNull(actor, "actor");
    requireNonNull(chain, "chain");
    requireNonNull(sealing, "sealing");
  }

  /** A row from one event of the audit API (with its {@code chain_seq} and {@code sealed_by}). */
  static TimelineRow of(JsonNode e) {
    JsonNode p = e.path("event");
    String type = e.path("type").asText("");
    String what;
    String where = "";
    switch (type) {
      case "TokenIssued" ->
          what =
              "issued to "
                  + e.path("client_id").asText("?")
                  + " for "
                  + e.path("subject").asText("?")
                  + ": "
                  + GrantRow.list(e.path("scopes"))
                  + " at "
                  + e.path("audience").asText("?")
                  + (e.hasNonNull("expires_at") ? ", until " + e.path("expires_at").asText() : "");
      case "TokenUsed" -> {
        what = "used: " + e.path("decision").asText("?");
        String reason = p.path("deny_reason").asText("");
        if (!reason.isEmpty() && !reason.equals("null")) {
          what += " (" + reason + ")";
        }
        where = text(p.path("validator_id")) + " " + text(p.path("resource"));
        String rule = text(p.path("route_rule"));
        if (!rule.isEmpty()) {
          where += ", rule " + rule;
        }
      }
      case "Revocation", "RevocationRequested" ->
          what =
              (type.equals("Revocation") ? "revoked " : "revocation requested ")
                  + selector(p.path("selector"))
                  + ": "
                  + e.path("reason").asText("");
      case "SecurityAlert" ->
          what =
              "alert "
                  + p.path("rule").asText(e.path("reason").asText(""))
                  + " ("
                  + p.path("severity").asText("")
                  + "): "
                  + p.path("summary").asText("");
      default ->
          what =
              String.join(
                      " ",
                      e.path("decision").asText(""),
                      e.path("reason").asText(""),
                      GrantRow.list(e.path("scopes")))
                  .strip();
    }
    JsonNode source = e.path("source");
    String chain =
        source.path("topic").asText("?")
            + "/"
            + source.path("partition").asText("?")
            + (e.has("chain_seq") ? " #" + e.path("chain_seq").asText() : "");
    boolean sealed = e.has("sealed_by");
    String sealing =
        sealed ? "sealed by checkpoint " + e.path("sealed_by").asText() : "chained, not yet sealed";
    return new TimelineRow(
        e.path("occurred_at").asText(""),
        type,
        what,
        where.strip(),
        e.path("decision").asText(""),
        e.path("actor").asText(""),
        chain,
        sealing,
        sealed);
  }

  /** A selector as {@code kind:value [issued before T]}. */
  private static String selector(JsonNode s) {
    if (!s.isObject()) {
      return text(s);
    }
    String text =
        s.path("kind").asText("?").toLowerCase(java.util.Locale.ROOT)
            + ":"
            + s.path("value").asText("?");
    JsonNode before = s.path("issued_before");
    if (before.isNumber()) {
      text += " issued before " + java.time.Instant.ofEpochMilli(before.asLong());
    }
    return text;
  }

  /** A value as text: strings as they are, records as their values joined. */
  private static String text(JsonNode node) {
    if (node.isMissingNode() || node.isNull()) {
      return "";
    }
    if (node.isObject()) {
      List<String> parts = new ArrayList<>();
      for (JsonNode value : node) {
        if (value.isValueNode() && !value.isNull()) {
          parts.add(value.asText());
        }
      }
      return String.join(" ", parts);
    }
    return node.asText();
  }

  /** The CSS class of the chain cell. */
  public String sealClass() {
    return sealed ? "sealed" : "unsealed";
  }
}
