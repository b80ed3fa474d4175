package io.tokenwatch.issuer.http;

import static io.tokenwatch.issuer.http.Answers.JSON;
import static io.tokenwatch.issuer.http.Answers.json;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.tokenwatch.issuer.EventLogUnavailableException;
import io.tokenwatch.issuer.policy.InvalidPolicyException;
import io.tokenwatch.issuer.policy.Policy;
import io.tokenwatch.issuer.policy.PolicyHolder;
import io.tokenwatch.issuer.policy.history.PolicyDiff;
import io.tokenwatch.issuer.policy.history.PolicyHistory;
import io.tokenwatch.issuer.policy.history.PolicyRollback;
import io.tokenwatch.issuer.policy.history.PolicyVersion;
import io.tokenwatch.people.PeopleGate;
import io.tokenwatch.people.Person;
import io.tokenwatch.people.Role;
import io.tokenwatch.schemas.http.ErrorFormat;
import io.tokenwatch.schemas.http.JsonErrors;
import java.io.IOException;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policy history API, for people (a session or HTTP Basic through {@link PeopleGate}); errors
 * are RFC 7807 problem+json.
 *
 * <ul>
 *   <li>{@code GET /policy/history}: every version without its document;
 *   <li>{@code GET /policy/history/{version}}: one version with its document;
 *   <li>{@code GET /policy/diff?from=A&to=B}: what changed from version A to version B;
 *   <li>{@code GET /policy/pending}: the change waiting for approval, if any;
 *   <li>{@code POST /policy/rollback} with {@code {"version": N}}: restore version N (role admin; a
 *       cookie session also needs its CSRF token).
 * </ul>
 *
 * Reading needs one of the roles auditor, analyst, approver (who must read what they approve) or
 * admin.
 */
public final class PolicyHistoryHttpApi {

  private static final Logger LOG = LoggerFactory.getLogger(PolicyHistoryHttpApi.class);
  private static final Role[] READERS = {Role.AUDITOR, Role.ANALYST, Role.APPROVER, Role.ADMIN};

  private final PolicyHistory history;
  private final PolicyHolder holder;
  private final PolicyRollback rollback;
  private final PeopleGate people;

  public PolicyHistoryHttpApi(
      PolicyHistory history, PolicyHolder holder, PolicyRollback rollback, PeopleGate people) {
    this.history = requireNonNull(history, "history");
    this.holder = requireNonNull(holder, "holder");
    this.rollback = requireNonNull(rollback, "rollback");
    this.people = requireNonNull(people, "people");
  }

  /** Adds the routes. */
  public void configure(JavalinConfig config) {
    var routes = config.routes;
    routes.get("/policy/history", this::list);
    routes.get("/policy/history/{version}", this::one);
    routes.get("/policy/diff", this::diff);
    routes.get("/policy/pending", this::pending);
    routes.post("/policy/rollback", this::rollback);
  }

  private void list(Context ctx) {
    people.require(ctx, READERS);
    ObjectNode body = JSON.createObjectNode();
    Policy current = holder.current();
    body.put("policy_id", current.id());
    body.put("in_force", current.version());
    ArrayNode versions = body.putArray("versions");
    for (PolicyVersion version : history.versions(current.id())) {
      versions.add(describe(version, false));
    }
    json(ctx, 200, body);
  }

  private void one(Context ctx) {
    people.require(ctx, READERS);
    Long number = versionNumber(ctx, ctx.pathParam("version"), "version");
    if (number == null) {
      return;
    }
    Optional<PolicyVersion> version = history.version(holder.current().id(), number);
    if (version.isEmpty()) {
      problem(ctx, 404, "no policy version " + number + " in the history");
      return;
    }
    json(ctx, 200, describe(version.get(), true));
  }

  private void diff(Context ctx) {
    people.require(ctx, READERS);
    Long from = versionNumber(ctx, ctx.queryParam("from"), "from");
    if (from == null) {
      return;
    }
    Long to = versionNumber(ctx, ctx.queryParam("to"), "to");
    if (to == null) {
      return;
    }
    String policyId = holder.current().id();
    Optional<PolicyVersion> a = history.version(policyId, from);
    Optional<PolicyVersion> b = history.version(policyId, to);
    if (a.isEmpty() || b.isEmpty()) {
      problem(ctx, 404, "no policy version " + (a.isEmpty() ? from : to) + " in the history");
      return;
    }
    PolicyDiff diff;
    try {
      diff = history.diff(a.get(), b.get());
    } catch (InvalidPolicyException e) {
      // A recorded document this issuer's settings refuse (e.g. a lower ttl ceiling).
      problem(ctx, 422, "a recorded document is not valid under this issuer's settings");
      return;
    }
    ObjectNode body = JSON.createObjectNode();
    body.put("from", from);
    body.put("to", to);
    ArrayNode lines = body.putArray("lines");
    diff.lines().forEach(line -> lines.add(line.text()));
    json(ctx, 200, body);
  }

  private void pending(Context ctx) {
    people.require(ctx, READERS);
    ObjectNode body = JSON.createObjectNode();
    Optional<PolicyHistory.PendingChange> pending =
        holder
            .pending()
            .flatMap(held -> history.pending().filter(p -> p.digest().equals(held.version())));
    if (pending.isEmpty()) {
      body.putNull("pending");
    } else {
      PolicyHistory.PendingChange change = pending.get();
      ObjectNode node = body.putObject("pending");
      node.put("policy_id", change.policyId());
      node.put("digest", change.digest());
      node.put("request_id", change.requestId());
      node.put("requester", change.requester());
      node.put("since", change.since().toString());
      node.put("approval_risk", lower(history.approvalRisk()));
      ArrayNode grants = node.putArray("needs_approval");
      for (PolicyDiff.Grant grant : change.grants()) {
        grants
            .addObject()
            .put("client_id", grant.clientId())
            .put("audience", grant.audience())
            .put("scope", grant.scope())
            .put("risk", lower(grant.risk()));
      }
      ArrayNode lines = node.putArray("diff");
      change.diff().lines().forEach(lines::add);
    }
    json(ctx, 200, body);
  }

  private void rollback(Context ctx) {
    Person person = people.require(ctx, Role.ADMIN);
    people.verifyCsrf(ctx);
    Long version = rollbackVersion(ctx);
    if (version == null) {
      return;
    }
    PolicyRollback.Outcome outcome;
    try {
      outcome = rollback.rollback(version, person.id());
    } catch (IOException e) {
      LOG.error("Rollback to policy version {} by {} failed", version, person.id(), e);
      problem(ctx, 500, "the policy file cannot be written; nothing was rolled back");
      return;
    } catch (EventLogUnavailableException | IllegalStateException e) {
      LOG.warn("Rollback to policy version {} not recorded: {}", version, e.getMessage());
      ctx.header("Retry-After", "5");
      problem(
          ctx,
          503,
          "the rollback could not be recorded in the policy history; the issuer retries it on its"
              + " next poll");
      return;
    }
    if (outcome instanceof PolicyRollback.Outcome.RolledBack rolled) {
      LOG.info(
          "Policy rolled back to version {} by {} as version {}",
          version,
          person.id(),
          rolled.recorded().version());
      ObjectNode body = describe(rolled.recorded(), false);
      body.put("status", "in_force");
      json(ctx, 200, body);
    } else if (outcome instanceof PolicyRollback.Outcome.AwaitingApproval waiting) {
      ObjectNode body = JSON.createObjectNode();
      body.put("status", "pending_approval");
      body.put("rolled_back_to", version);
      body.put("digest", waiting.pending().digest());
      body.put("request_id", waiting.pending().requestId());
      json(ctx, 202, body);
    } else if (outcome instanceof PolicyRollback.Outcome.UnknownVersion unknown) {
      problem(ctx, 404, "no policy version " + unknown.version() + " in the history");
    } else if (outcome instanceof PolicyRollback.Outcome.AlreadyInForce already) {
      problem(ctx, 409, "policy version " + already.version() + "'s document is already in force");
    } else if (outcome instanceof PolicyRollback.Outcome.Invalid invalid) {
      problem(
          ctx,
          422,
          "policy version "
              + invalid.version()
              + " is not valid under this issuer's settings: "
              + String.join("; ", invalid.problems()));
    }
  }

  private @Nullable Long rollbackVersion(Context ctx) {
    String type = ctx.contentType();
    if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
      problem(ctx, 415, "send a JSON body {\"version\": N} as application/json");
      return null;
    }
    JsonNode body;
    try {
      body = JSON.readTree(ctx.body());
    } catch (JsonProcessingException e) {
      problem(ctx, 400, "the body is not valid JSON; send {\"version\": N}");
      return null;
    }
    JsonNode version = body == null ? null : body.get("version");
    if (version == null
        || !version.isIntegralNumber()
        || !version.canConvertToLong()
        || version.longValue() < 1) {
      problem(ctx, 400, "the body must be {\"version\": N} with N a version number of at least 1");
      return null;
    }
    return version.longValue();
  }

  private static @Nullable Long versionNumber(Context ctx, @Nullable String text, String name) {
    if (text == null || text.isBlank()) {
      problem(ctx, 400, name + " is required: a version number");
      return null;
    }
    if (text.length() > 18 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      problem(ctx, 400, name + " must be a version number");
      return null;
    }
    long value = Long.parseLong(text);
    if (value < 1) {
      problem(ctx, 400, name + " must be at least 1");
      return null;
    }
    return value;
  }

  private static ObjectNode describe(PolicyVersion version, boolean withDocument) {
    ObjectNode node = JSON.createObjectNode();
    node.put("version", version.version());
    node.put("policy_id", version.policyId());
    node.put("digest", version.digest());
    if (version.previousVersion() == null) {
      node.putNull("previous_version");
    } else {
      node.put("previous_version", version.previousVersion());
    }
    node.put("source", version.source().name());
    node.put("author", version.author());
    node.put("occurred_at", version.occurredAt().toString());
    ArrayNode diff = node.putArray("diff");
    version.diff().lines().forEach(diff::add);
    ArrayNode approvals = node.putArray("approvals");
    version.approvals().forEach(approvals::add);
    if (version.rolledBackTo() == null) {
      node.putNull("rolled_back_to");
    } else {
      node.put("rolled_back_to", version.rolledBackTo());
    }
    if (withDocument) {
      node.put("document", version.document());
    }
    return node;
  }

  private static void problem(Context ctx, int status, String detail) {
    JsonErrors.respond(ctx, ErrorFormat.PROBLEM, status, detail);
  }

  private static String lower(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }
}
