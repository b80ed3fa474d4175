package io.tokenwatch.issuer.http;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.tokenwatch.issuer.EventLogUnavailableException;
import io.tokenwatch.issuer.access.AccessOutcome;
import io.tokenwatch.issuer.access.AccessRequest;
import io.tokenwatch.issuer.access.AccessRequests;
import io.tokenwatch.issuer.access.AccessRule;
import io.tokenwatch.issuer.access.AccessStatus;
import io.tokenwatch.issuer.access.Actor;
import io.tokenwatch.issuer.access.Duty;
import io.tokenwatch.issuer.access.NewAccessRequest;
import io.tokenwatch.issuer.access.PersonDecision;
import io.tokenwatch.people.PeopleGate;
import io.tokenwatch.people.Person;
import io.tokenwatch.people.Role;
import io.tokenwatch.schemas.http.ErrorFormat;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access-request API, for the {@code tokenwatch access} command and the console:
 *
 * <ul>
 *   <li>{@code POST /access-requests}: ask ({@code kind} scope or narrow, {@code client_id}, {@code
 *       audience}, {@code scopes}, {@code purpose}, {@code duration} as ISO-8601) - 201;
 *   <li>{@code GET /access-requests?status=}: approvers, auditors and admins see every request,
 *       others their own;
 *   <li>{@code GET /access-requests/{id}};
 *   <li>{@code POST /access-requests/{id}/approve|refuse|review|cancel}, optional body {@code
 *       {"comment": ...}}.
 * </ul>
 *
 * People authenticate through the {@link PeopleGate}: HTTP Basic (the CLI), or a session, whose
 * state-changing calls need its CSRF token. Bodies are read strictly ({@link AccessRequestBodies}).
 * Every error is RFC 7807 problem+json; a refusal by a separation-of-duties rule is 403 (who may
 * act) or 409 (the request's state), names the rule in {@code rule}, says it in plain words in
 * {@code detail}, and records nothing.
 */
public final class AccessRequestHttpApi {

  private static final Logger LOG = LoggerFactory.getLogger(AccessRequestHttpApi.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern ID = Pattern.compile("req-[0-9a-f-]{36}");
  private static final Set<Role> SEE_ALL = EnumSet.of(Role.APPROVER, Role.AUDITOR, Role.ADMIN);

  private final AccessRequests requests;
  private final PeopleGate people;

  public AccessRequestHttpApi(AccessRequests requests, PeopleGate people) {
    this.requests = requireNonNull(requests, "requests");
    this.people = requireNonNull(people, "people");
  }

  /** Adds the routes to a Javalin configuration. */
  public void configure(JavalinConfig config) {
    var routes = config.routes;
    routes.post("/access-requests", this::create);
    routes.get("/access-requests", this::list);
    routes.get("/access-requests/{id}", this::show);
    routes.post("/access-requests/{id}/approve", ctx -> decide(ctx, Action.APPROVE));
    routes.post("/access-requests/{id}/refuse", ctx -> decide(ctx, Action.REFUSE));
    routes.post("/access-requests/{id}/review", ctx -> decide(ctx, Action.REVIEW));
    routes.post("/access-requests/{id}/cancel", ctx -> decide(ctx, Action.CANCEL));
  }

  private enum Action {
    APPROVE,
    REFUSE,
    REVIEW,
    CANCEL
  }

  private void create(Context ctx) {
    Person person = people.require(ctx);
    people.verifyCsrf(ctx);
    byte[] body = body(ctx);
    if (body == null) {
      return;
    }
    NewAccessRequest asked;
    try {
      asked = AccessRequestBodies.request(body);
    } catch (AccessRequestBodies.MalformedBodyException e) {
      problem(ctx, e.status(), String.valueOf(e.getMessage()), null);
      return;
    }
    try {
      answer(ctx, requests.request(actor(person), asked), 201);
    } catch (EventLogUnavailableException e) {
      unavailable(ctx, e);
    }
  }

  private void list(Context ctx) {
    Person person = people.require(ctx);
    String statusParam = ctx.queryParam("status");
    AccessStatus status = null;
    if (statusParam != null && !statusParam.isBlank()) {
      status = status(statusParam);
      if (status == null) {
        problem(
            ctx, 400, "status must be one of pending, approved, refused, cancelled, expired", null);
        return;
      }
    }
    ArrayNode out = JSON.createArrayNode();
    for (AccessRequest request : requests.list(status)) {
      if (maySee(person, request)) {
        out.add(json(request));
      }
    }
    ok(ctx, 200, JSON.createObjectNode().set("requests", out));
  }

  private void show(Context ctx) {
    Person person = people.require(ctx);
    String id = ctx.pathParam("id");
    AccessRequest request = ID.matcher(id).matches() ? requests.get(id).orElse(null) : null;
    if (request == null || !maySee(person, request)) {
      problem(ctx, 404, "no access request " + printableId(id), AccessRule.NOT_FOUND);
      return;
    }
    ok(ctx, 200, json(request));
  }

  private void decide(Context ctx, Action action) {
    Person person = people.require(ctx);
    people.verifyCsrf(ctx);
    String id = ctx.pathParam("id");
    if (!ID.matcher(id).matches()) {
      problem(ctx, 404, "no access request " + printableId(id), AccessRule.NOT_FOUND);
      return;
    }
    byte[] body = body(ctx);
    if (body == null) {
      return;
    }
    String comment;
    try {
      comment = AccessRequestBodies.comment(body);
    } catch (AccessRequestBodies.MalformedBodyException e) {
      problem(ctx, e.status(), String.valueOf(e.getMessage()), null);
      return;
    }
    Actor actor = actor(person);
    try {
      AccessOutcome outcome =
          switch (action) {
            case APPROVE -> requests.approve(id, actor, comment);
            case REFUSE -> requests.refuse(id, actor, comment);
            case REVIEW -> requests.review(id, actor, comment);
            case CANCEL -> requests.cancel(id, actor);
          };
      answer(ctx, outcome, 200);
    } catch (EventLogUnavailableException e) {
      unavailable(ctx, e);
    }
  }

  /**
   * The request body, or null after answering: 415 for a body that is not JSON, 413 for one above
   * the limit (checked before reading when the length is declared).
   */
  private static byte @Nullable [] body(Context ctx) {
    long declared = ctx.contentLength();
    if (declared > AccessRequestBodies.MAX_BYTES) {
      problem(
          ctx,
          413,
          "the body is "
              + declared
              + " bytes; at most "
              + AccessRequestBodies.MAX_BYTES
              + " are accepted",
          null);
      return null;
    }
    byte[] body;
    try {
      body = ctx.bodyAsBytes();
    } catch (HttpResponseException e) {
      problem(ctx, e.getStatus(), ErrorFormat.describe(e.getStatus()), null);
      return null;
    }
    String type = ctx.contentType();
    if (body.length > 0
        && (type == null
            || !type.toLowerCase(Locale.ROOT).strip().startsWith("application/json"))) {
      problem(ctx, 415, "send the body as application/json", null);
      return null;
    }
    return body;
  }

  private static void answer(Context ctx, AccessOutcome outcome, int status) {
    if (outcome instanceof AccessOutcome.Changed changed) {
      if (status == 201) {
        ctx.header("Location", "/access-requests/" + changed.request().id());
      }
      ok(ctx, status, json(changed.request()));
      return;
    }
    AccessOutcome.Refused refused = (AccessOutcome.Refused) outcome;
    int code =
        switch (refused.rule()) {
          case INVALID -> 400;
          case NOT_FOUND -> 404;
          default -> refused.rule().forbidden() ? 403 : 409;
        };
    problem(ctx, code, refused.detail(), refused.rule());
  }

  private static void unavailable(Context ctx, EventLogUnavailableException e) {
    LOG.warn("Access request not recorded: {}", e.getMessage());
    ctx.header("Retry-After", "1");
    problem(
        ctx, 503, "the change cannot be recorded right now; nothing changed, retry shortly", null);
  }

  private static Actor actor(Person person) {
    Set<Duty> duties = EnumSet.noneOf(Duty.class);
    if (person.has(Role.APPROVER)) {
      duties.add(Duty.APPROVER);
    }
    if (person.has(Role.AUDITOR)) {
      duties.add(Duty.AUDITOR);
    }
    return new Actor(person.id(), duties);
  }

  private static boolean maySee(Person person, AccessRequest request) {
    return request.requester().equals(person.id())
        || person.roles().stream().anyMatch(SEE_ALL::contains);
  }

  private static @Nullable AccessStatus status(String name) {
    for (AccessStatus status : AccessStatus.values()) {
      if (status.name().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
        return status;
      }
    }
    return null;
  }

  /** The JSON form of a request, as the API and the CLI's {@code --json} show it. */
  static ObjectNode json(AccessRequest request) {
    ObjectNode out = JSON.createObjectNode();
    out.put("id", request.id());
    out.put("kind", lower(request.kind()));
    out.put("status", lower(request.status()));
    out.put("requester", request.requester());
    out.put("client_id", request.clientId());
    out.put("audience", request.audience());
    ArrayNode scopes = out.putArray("scopes");
    request.scopes().forEach(scopes::add);
    out.put("risk", AccessRequests.riskName(request.risk()));
    out.put("purpose", request.purpose());
    out.put("duration", request.duration().isZero() ? null : request.duration().toString());
    out.put("policy_digest", request.policyDigest());
    out.put("approvals_required", request.approvalsRequired());
    out.set("approvals", decisions(request.approvals()));
    out.set("refusal", request.refusal() == null ? null : decision(request.refusal()));
    out.set("reviews", decisions(request.reviews()));
    out.put("exception_id", request.exceptionId());
    out.put(
        "exception_until",
        request.exceptionUntil() == null ? null : request.exceptionUntil().toString());
    out.put("last_change", lower(request.lastChange()));
    out.put("changed_by", request.changedBy());
    out.put("changed_at", request.changedAt().toString());
    out.put("detail", request.detail());
    return out;
  }

  private static ArrayNode decisions(List<PersonDecision> decisions) {
    ArrayNode out = JSON.createArrayNode();
    decisions.forEach(d -> out.add(decision(d)));
    return out;
  }

  private static ObjectNode decision(PersonDecision decision) {
    return JSON.createObjectNode()
        .put("person", decision.person())
        .put("decided_at", decision.decidedAt().toString())
        .put("comment", decision.comment());
  }

  private static String lower(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }

  private static void ok(Context ctx, int status, ObjectNode body) {
    ctx.status(status)
        .header("Cache-Control", "no-store")
        .contentType("application/json")
        .result(body.toString());
  }

  /** An RFC 7807 answer; {@code rule} names the access rule that refused, when one did. */
  private static void problem(Context ctx, int status, String detail, @Nullable AccessRule rule) {
    ObjectNode body;
    try {
      body = (ObjectNode) JSON.readTree(ErrorFormat.PROBLEM.body(status, detail));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("the problem body is JSON", e);
    }
    if (rule != null) {
      body.put("rule", rule.name().toLowerCase(Locale.ROOT));
    }
    ctx.status(status)
        .header("Cache-Control", "no-store")
        .contentType(ErrorFormat.PROBLEM.contentType())
        .result(body.toString());
  }

  /** An id from the request, fit to be quoted back. */
  private static String printableId(String id) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < id.length() && out.length() < 64; i++) {
      char c = id.charAt(i);
      out.append(c >= 0x20 && c < 0x7F ? c : '?');
    }
    return out.toString();
  }
}
