package io.tokenwatch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Renders audit answers (the JSON shapes of {@code AuditJson}) as a table, JSON lines or CSV. */
final class AuditOutput {

  /** An output format. */
  /**
   * An output format, the same values for every {@code --format} of the CLI: {@code table} for
   * people, {@code json} (one document: an array of rows), {@code jsonl} (one row per line) and
   * {@code csv} for machines.
   */
  enum Format {
    table,
    json,
    jsonl,
    csv
  }

  /** A column: its header and how to read it from a row. */
  record Column(String header, Function<JsonNode, String> value) {}

  static final List<Column> EVENT_COLUMNS =
      List.of(
          new Column("occurred_at", n -> text(n, "occurred_at")),
          new Column("type", n -> text(n, "type")),
          new Column("subject", n -> text(n, "subject")),
          new Column("client", n -> text(n, "client_id")),
          new Column("token", n -> text(n, "token_id")),
          new Column("decision", n -> text(n, "decision")),
          new Column("reason", n -> text(n, "reason")),
          new Column("scopes", n -> join(n.path("scopes"))),
          new Column("policy", n -> policy(n)),
          new Column("actor", n -> text(n, "actor")),
          new Column("event_id", n -> text(n, "event_id")));

  static final List<Column> GRANT_COLUMNS =
      List.of(
          new Column("granted_at", n -> text(n, "granted_at")),
          new Column("token", n -> text(n, "token_id")),
          new Column("subject", n -> text(n, "subject")),
          new Column("client", n -> text(n, "client_id")),
          new Column("audience", n -> text(n, "audience")),
          new Column("scopes", n -> join(n.path("scopes"))),
          new Column("granted_by", n -> text(n, "granted_by")),
          new Column("why", n -> text(n, "reason")),
          new Column("policy", n -> policy(n)),
          new Column("state", n -> text(n, "state")),
          new Column(
              "revocation",
              n ->
                  n.has("revocation")
                      ? text(n.path("revocation"), "at")
                          + " "
                          + text(n.path("revocation"), "reason")
                          + " by "
                          + text(n.path("revocation"), "by")
                          + " ("
                          + text(n.path("revocation"), "selector")
                          + ", "
                          + text(n.path("revocation"), "id")
                          + ")"
                      : ""),
          new Column("expires_at", n -> text(n, "expires_at")),
          new Column("behind", n -> text(n, "behind")));

  private AuditOutput() {}

  static void print(
      PrintWriter out, List<? extends JsonNode> rows, List<Column> columns, Format format) {
    switch (format) {
      case jsonl -> rows.forEach(row -> out.println(row.toString()));
      case json -> {
        com.fasterxml.jackson.databind.node.ArrayNode array =
            io.tokenwatch.audit.http.AuditJson.MAPPER.createArrayNode();
        rows.forEach(array::add);
        out.println(array.toPrettyString());
      }
      case csv -> {
        out.println(String.join(",", columns.stream().map(Column::header).toList()));
        for (JsonNode row : rows) {
          List<String> cells = new ArrayList<>();
          for (Column column : columns) {
            cells.add(csv(column.value().apply(row)));
          }
          out.println(String.join(",", cells));
        }
      }
      case table -> table(out, rows, columns);
    }
    out.flush();
  }

  private static void table(PrintWriter out, List<? extends JsonNode> rows, List<Column> columns) {
    int[] widths = new int[columns.size()];
    List<String[]> cells = new ArrayList<>();
    for (int c = 0; c < columns.size(); c++) {
      widths[c] = columns.get(c).header().length();
    }
    for (JsonNode row : rows) {
      String[] line = new String[columns.size()];
      for (int c = 0; c < columns.size(); c++) {
        line[c] = printable(columns.get(c).value().apply(row));
        widths[c] = Math.min(60, Math.max(widths[c], line[c].length()));
      }
      cells.add(line);
    }
    StringBuilder header = new StringBuilder();
    for (int c = 0; c < columns.size(); c++) {
      header.append(pad(columns.get(c).header(), widths[c])).append("  ");
    }
    out.println(header.toString().stripTrailing());
    for (String[] line : cells) {
      StringBuilder text = new StringBuilder();
      for (int c = 0; c < line.length; c++) {
        text.append(pad(line[c], widths[c])).append("  ");
      }
      out.println(text.toString().stripTrailing());
    }
    out.println("(" + rows.size() + " rows)");
  }

  private static String pad(String value, int width) {
    String cut = value.length() > width ? value.substring(0, width - 1) + "…" : value;
    return cut + " ".repeat(Math.max(0, width - cut.length()));
  }

  /** Control characters shown as '?', so stored values cannot drive the terminal. */
  static String printable(String value) {
    StringBuilder out = new StringBuilder(value.length());
    value.codePoints().forEach(cp -> out.appendCodePoint(Character.isISOControl(cp) ? '?' : cp));
    return out.toString();
  }

  private static String csv(String value) {
    if (value.isEmpty()) {
      return "";
    }
    // a leading =, +, - or @ would be a formula in a spreadsheet
    String safe = "=+-@".indexOf(value.charAt(0)) >= 0 ? "'" + value : value;
    if (safe.contains(",")
        || safe.contains("\"")
        || safe.contains("\n")
        || safe.contains("\r")
        || !safe.equals(value)) {
      return "\"" + safe.replace("\"", "\"\"") + "\"";
    }
    return safe;
  }

  static String text(JsonNode node, String field) {
    JsonNode value = node.path(field);
    return value.isMissingNode() || value.isNull() ? "" : value.asText();
  }

  private static String join(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(value -> values.add(value.asText()));
    return String.join(" ", values);
  }

  private static String policy(JsonNode n) {
    String id = text(n, "policy_id");
    return id.isEmpty() ? "" : id + "@" + text(n, "policy_version");
  }

  static List<ObjectNode> objects(JsonNode array) {
    List<ObjectNode> rows = new ArrayList<>();
    array.forEach(
        row -> {
          if (row instanceof ObjectNode object) {
            rows.add(object);
          }
        });
    return rows;
  }
}
