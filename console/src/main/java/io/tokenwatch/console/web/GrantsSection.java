package io.tokenwatch.console.web;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.router.JavalinDefaultRoutingApi;
import io.tokenwatch.console.source.AuditClient.Reply;
import io.tokenwatch.console.source.IssuerApi;
import io.tokenwatch.people.Person;
import io.tokenwatch.people.Role;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Grants: who was granted what, when and why, from the audit API's {@code /grants} (filtered by
 * subject, client, audience and scope, a page at a time), and the least-privilege findings with a
 * button that asks the issuer, as the person, to narrow the client's policy.
 */
public final class GrantsSection implements Section {

  /** Who sees grants, and may ask to narrow. */
  static final Role[] VIEWERS = {Role.ANALYST, Role.AUDITOR, Role.APPROVER, Role.ADMIN};

  /** Rows per page unless the form says otherwise. */
  static final int DEFAULT_LIMIT = 50;

  /** The least-privilege window unless the form says otherwise. */
  static final int DEFAULT_DAYS = 30;

  private final ConsoleContext context;

  public GrantsSection(ConsoleContext context) {
    this.context = requireNonNull(context, "context");
  }

  @Override
  public String title() {
    return "Grants";
  }

  @Override
  public String path() {
    return "/grants";
  }

  @Override
  public Set<Role> viewers() {
    return Set.of(VIEWERS);
  }

  @Override
  public void routes(JavalinDefaultRoutingApi routes) {
    routes.get("/grants", this::page);
    routes.get("/grants/least-privilege", this::leastPrivilege);
    routes.post("/grants/narrow", this::narrow);
  }

  private void page(Context ctx) {
    Person person = context.people().require(ctx, VIEWERS);
    Map<String, Object> params = new HashMap<>();
    Map<String, String> filters = new LinkedHashMap<>();
    String error = null;
    int status = 200;
    List<GrantRow> rows = List.of();
    String next = null;
    boolean cut = false;
    try {
      for (String name : List.of("subject", "client", "audience", "scope")) {
        String value = Inputs.text(ctx, name);
        if (value != null) {
          filters.put(name, value);
        }
      }
      int limit = Inputs.integer(ctx, "limit", DEFAULT_LIMIT, 1, Paging.MAX_LIMIT);
      Paging paging;
      try {
        paging =
            new Paging(Inputs.millis(ctx, "at"), Inputs.integer(ctx, "skip", 0, 0, 9999), limit);
      } catch (IllegalArgumentException e) {
        throw new Inputs.BadInput(String.valueOf(e.getMessage()));
      }
      Map<String, String> query = new LinkedHashMap<>(filters);
      if (paging.from() != null) {
        query.put("from", String.valueOf(paging.from()));
      }
      query.put("limit", String.valueOf(paging.apiLimit()));
      Reply reply = context.audit().get("/grants", query);
      if (reply instanceof Reply.Ok ok) {
        List<JsonNode> fetched = new ArrayList<>();
        ok.body().path("grants").forEach(fetched::add);
        Paging.Page<JsonNode> page =
            paging.page(fetched, g -> Inputs.epochMillis(g.path("granted_at").asText()));
        rows = page.rows().stream().map(GrantRow::of).toList();
        cut = page.cut();
        Paging more = page.next();
        if (more != null) {
          Map<String, Object> link = new LinkedHashMap<>(filters);
          link.put("limit", limit);
          link.put("at", more.from());
          link.put("skip", more.skip());
          next = Inputs.link("/grants", link);
        }
      } else {
        Reply.Failed failed = (Reply.Failed) reply;
        error = failed.message();
        status = Pages.status(failed);
      }
      params.put("limit", limit);
    } catch (Inputs.BadInput e) {
      error = String.valueOf(e.getMessage());
      status = 400;
      params.put("limit", DEFAULT_LIMIT);
    }
    params.put("subject", filters.getOrDefault("subject", ""));
    params.put("client", filters.getOrDefault("client", ""));
    params.put("audience", filters.getOrDefault("audience", ""));
    params.put("scope", filters.getOrDefault("scope", ""));
    params.put("rows", rows);
    params.put("next", next);
    params.put("cut", cut);
    params.put("error", error);
    params.put("continued", ctx.queryParam("at") != null);
    context.views().page(ctx, person, status, "grants.jte", "Grants", params);
  }

  private void leastPrivilege(Context ctx) {
    context.people().require(ctx, VIEWERS);
    Map<String, Object> params = new HashMap<>();
    params.put("csrf", context.people().csrfToken(ctx));
    params.put("findings", List.of());
    params.put("principals", 0L);
    params.put("error", null);
    int status = 200;
    int days = DEFAULT_DAYS;
    try {
      days = Inputs.integer(ctx, "days", DEFAULT_DAYS, 1, 3650);
      Reply reply = context.audit().get("/least-privilege", Map.of("days", String.valueOf(days)));
      if (reply instanceof Reply.Ok ok) {
        List<Finding> findings = new ArrayList<>();
        ok.body()
            .path("narrowable")
            .forEach(n -> findings.add(Finding.of(n, false, findings.size())));
        ok.body().path("idle").forEach(n -> findings.add(Finding.of(n, true, findings.size())));
        params.put("findings", findings);
        params.put("principals", ok.body().path("principals").asLong());
      } else {
        Reply.Failed failed = (Reply.Failed) reply;
        params.put("error", failed.message());
        status = Pages.status(failed);
      }
    } catch (Inputs.BadInput e) {
      params.put("error", String.valueOf(e.getMessage()));
      status = 400;
    }
    params.put("days", days);
    context.views().fragment(ctx, status, "least-privilege.jte", params);
  }

  /**
   * Opens an access request of kind {@code narrow} at the issuer, as the person: the client's
   * unused scopes, to be taken away once approvers agree.
   */
  private void narrow(Context ctx) {
    Person person = context.people().require(ctx, VIEWERS);
    context.people().verifyCsrf(ctx);
    String client;
    String purpose;
    List<String> scopes = new ArrayList<>();
    try {
      client = Inputs.form(ctx, "client_id");
      purpose = Inputs.form(ctx, "purpose");
      for (String scope : ctx.formParams("scope")) {
        if (!scope.isBlank() && scope.length() <= 200) {
          scopes.add(scope.strip());
        }
      }
      if (client == null || purpose == null || scopes.isEmpty()) {
        throw new Inputs.BadInput("a narrowing request needs client_id, scope and purpose");
      }
    } catch (Inputs.BadInput e) {
      context.views().message(ctx, person, 400, "Ask to narrow", String.valueOf(e.getMessage()));
      return;
    }
    ObjectNode body =
        com.fasterxml.jackson.databind.json.JsonMapper.builder().build().createObjectNode();
    body.put("kind", "narrow");
    body.put("client_id", client);
    scopes.forEach(body.putArray("scopes")::add);
    body.put("purpose", purpose);
    IssuerApi.Answer answer =
        context.issuer().postJson(person, "/access-requests", body.toString());
    if (answer.ok()) {
      String id = idOf(answer.body());
      context
          .views()
          .message(
              ctx,
              person,
              201,
              "Ask to narrow",
              "Access request "
                  + id
                  + " asks to take "
                  + String.join(" ", scopes)
                  + " away from "
                  + client
                  + "; it waits for approvers.");
    } else {
      int status = answer.status() >= 400 && answer.status() < 500 ? answer.status() : 502;
      if (answer.status() == 0) {
        status = 503;
      }
      context
          .views()
          .message(
              ctx,
              person,
              status,
              "Ask to narrow",
              "The issuer did not open the request: " + IssuerApi.detail(answer));
    }
  }

  private static String idOf(String json) {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper()
          .readTree(json)
          .path("id")
          .asText("(no id)");
    } catch (java.io.IOException e) {
      return "(no id)";
    }
  }
}
