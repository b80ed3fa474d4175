package io.tokenwatch.console.web;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.javalin.router.JavalinDefaultRoutingApi;
import io.tokenwatch.console.source.AuditClient;
import io.tokenwatch.console.source.AuditClient.Reply;
import io.tokenwatch.people.Person;
import io.tokenwatch.people.Role;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The timeline of a token (its issuance, uses, alerts and the revocations that cover it, from the
 * audit API's token timeline) or of a grant, subject or client (every event naming it, a page at a
 * time), oldest first, each record with its place in the audit chain and the checkpoint that sealed
 * it.
 */
public final class TimelineSection implements Section {

  /** The most records of one token's timeline shown (the API's answer is not paged). */
  static final int TOKEN_LIMIT = 1000;

  private static final List<String> KINDS = List.of("token", "grant", "subject", "client");

  private final ConsoleContext context;

  public TimelineSection(ConsoleContext context) {
    this.context = requireNonNull(context, "context");
  }

  @Override
  public String title() {
    return "Timeline";
  }

  @Override
  public String path() {
    return "/timeline";
  }

  @Override
  public Set<Role> viewers() {
    return Set.of(GrantsSection.VIEWERS);
  }

  @Override
  public void routes(JavalinDefaultRoutingApi routes) {
    routes.get("/timeline", this::page);
  }

  private void page(Context ctx) {
    Person person = context.people().require(ctx, GrantsSection.VIEWERS);
    Map<String, Object> params = new HashMap<>();
    String kind = "token";
    String value = "";
    String error = null;
    String note = null;
    int status = 200;
    List<TimelineRow> rows = List.of();
    String next = null;
    boolean asked = false;
    try {
      Map<String, String> given = new LinkedHashMap<>();
      for (String name : KINDS) {
        String v = Inputs.text(ctx, name);
        if (v != null) {
          given.put(name, v);
        }
      }
      if (given.size() > 1) {
        throw new Inputs.BadInput("ask for one of token, grant, subject or client at a time");
      }
      int limit = Inputs.integer(ctx, "limit", GrantsSection.DEFAULT_LIMIT, 1, Paging.MAX_LIMIT);
      params.put("limit", limit);
      if (!given.isEmpty()) {
        asked = true;
        kind = given.keySet().iterator().next();
        value = requireNonNull(given.get(kind), kind);
        if (kind.equals("token")) {
          Reply reply =
              context
                  .audit()
                  .get(
                      "/tokens/" + AuditClient.segment(value) + "/timeline",
                      Map.of("limit", String.valueOf(TOKEN_LIMIT)));
          if (reply instanceof Reply.Ok ok) {
            List<TimelineRow> all = new ArrayList<>();
            ok.body().path("events").forEach(e -> all.add(TimelineRow.of(e)));
            rows = all;
            if (all.size() >= TOKEN_LIMIT) {
              note = "The first " + TOKEN_LIMIT + " records are shown.";
            }
            value = ok.body().path("token_id").asText(value);
          } else {
            Reply.Failed failed = (Reply.Failed) reply;
            error = failed.message();
            status = Pages.status(failed);
          }
        } else {
          Paging paging;
          try {
            paging =
                new Paging(
                    Inputs.millis(ctx, "at"), Inputs.integer(ctx, "skip", 0, 0, 9999), limit);
          } catch (IllegalArgumentException e) {
            throw new Inputs.BadInput(String.valueOf(e.getMessage()));
          }
          Map<String, String> query = new LinkedHashMap<>();
          query.put(kind, value);
          if (paging.from() != null) {
            query.put("from", String.valueOf(paging.from()));
          }
          query.put("limit", String.valueOf(paging.apiLimit()));
          Reply reply = context.audit().get("/events", query);
          if (reply instanceof Reply.Ok ok) {
            List<JsonNode> fetched = new ArrayList<>();
            ok.body().path("events").forEach(fetched::add);
            Paging.Page<JsonNode> page =
                paging.page(fetched, e -> Inputs.epochMillis(e.path("occurred_at").asText()));
            rows = page.rows().stream().map(TimelineRow::of).toList();
            if (page.cut()) {
              note = "More records share one millisecond than a page can reach.";
            }
            Paging more = page.next();
            if (more != null) {
              Map<String, Object> link = new LinkedHashMap<>();
              link.put(kind, value);
              link.put("limit", limit);
              link.put("at", more.from());
              link.put("skip", more.skip());
              next = Inputs.link("/timeline", link);
            }
          } else {
            Reply.Failed failed = (Reply.Failed) reply;
            error = failed.message();
            status = Pages.status(failed);
          }
        }
      }
    } catch (Inputs.BadInput e) {
      error = String.valueOf(e.getMessage());
      status = 400;
      params.putIfAbsent("limit", GrantsSection.DEFAULT_LIMIT);
    }
    params.put("kind", kind);
    params.put("value", value);
    params.put("asked", asked);
    params.put("rows", rows);
    params.put("next", next);
    params.put("note", note);
    params.put("error", error);
    context.views().page(ctx, person, status, "timeline.jte", "Timeline", params);
  }
}
