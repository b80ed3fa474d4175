package io.tokenwatch.audit.explain;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenwatch.audit.AuditEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Answers "why" about one token, event or consent from the audit records that concern it (as the
 * store's {@code why} query gathers them): who was granted what (client, subject, actor chain,
 * audience, scopes, lifetime) and when; under which policy version (the history version and author
 * of the {@code PolicyChanged} record with that digest, else the digest alone), which rule (the
 * policy's client entry, a policy exception with its access request, a consent), which approvals;
 * and what happened since (uses with the validator's route rule, denials, revocations covering it,
 * consent withdrawal). For a denial or a use: what decided and why.
 *
 * <p>The answer is JSON: {@code lines} holds the plain-language text, the other fields the same
 * facts structured. Stored values are printed as recorded; renderers must neutralise control
 * characters. Stateless and thread-safe.
 */
public final class WhyExplainer {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final String query;
  private final List<AuditEvent> events;
  private final Map<String, JsonNode> payloads = new HashMap<>();
  private final long now;
  private final ObjectNode answer = MAPPER.createObjectNode();
  private final List<String> lines = new ArrayList<>();

  private WhyExplainer(String query, List<AuditEvent> events, long now) {
    this.query = query;
    this.events = events;
    this.now = now;
    for (AuditEvent event : events) {
      payloads.put(event.eventId(), parse(event.json()));
    }
  }

  /**
   * Explains {@code query}.
   *
   * @param query the token id, event id, consent id or access request id asked about
   * @param events the records concerning it, oldest first
   * @param nowMillis now, for a token's state
   * @return the answer; {@code found} is false when no record has that id
   */
  public static ObjectNode explain(String query, List<AuditEvent> events, long nowMillis) {
    requireNonNull(query, "query");
    requireNonNull(events, "events");
    return new WhyExplainer(query, List.copyOf(events), nowMillis).build();
  }

  private ObjectNode build() {
    answer.put("query", query);
    Optional<AuditEvent> target = target();
    answer.put("found", target.isPresent());
    if (target.isEmpty()) {
      lines.add(
          "Nothing in the audit history has the id "
              + query
              + " (token id, event id, consent id or access request id).");
    } else {
      AuditEvent event = target.get();
      answer.put("type", event.eventType());
      answer.put("event_id", event.eventId());
      switch (event.eventType()) {
        case "TokenIssued" -> issuance(event);
        case "IssuanceDenied" -> denial(event);
        case "TokenUsed" -> use(event);
        case "ConsentGranted" -> consentAsked(event);
        case "AccessRequestChanged" -> request(event);
        default -> other(event);
      }
    }
    answer.put("summary", lines.isEmpty() ? "" : lines.get(0));
    ArrayNode text = answer.putArray("lines");
    lines.forEach(text::add);
    return answer;
  }

  private Optional<AuditEvent> target() {
    for (AuditEvent event : events) {
      if (event.eventId().equals(query)) {
        return Optional.of(event);
      }
    }
    for (AuditEvent event : events) {
      if (event.eventType().equals("TokenIssued") && query.equals(event.tokenId())) {
        return Optional.of(event);
      }
    }
    for (AuditEvent event : events) {
      if (event.eventType().equals("ConsentGranted") && query.equals(event.grantId())) {
        return Optional.of(event);
      }
    }
    AuditEvent latest = null;
    for (AuditEvent event : events) {
      if (event.eventType().equals("AccessRequestChanged")
          && query.equals(text(payload(event), "request_id"))) {
        latest = event;
      }
    }
    return Optional.ofNullable(latest);
  }

  // --- issuance -------------------------------------------------------------------------------

  private void issuance(AuditEvent issued) {
    ObjectNode p = withColumns(issued);
    List<String> actors = actorChain(issued);
    ObjectNode grant = answer.putObject("grant");
    grant.put("token_id", text(p, "token_id"));
    grant.put("client_id", text(p, "client_id"));
    grant.put("subject", text(p, "subject"));
    ArrayNode chain = grant.putArray("actor_chain");
    actors.forEach(chain::add);
    grant.put("audience", text(p, "audience"));
    ArrayNode scopes = grant.putArray("scopes");
    issued.scopes().forEach(scopes::add);
    long issuedAt = p.path("issued_at").asLong(issued.occurredAt());
    long expiresAt =
        p.path("expires_at").asLong(issued.expiresAt() == null ? issuedAt : issued.expiresAt());
    grant.put("issued_at", time(issuedAt));
    grant.put("expires_at", time(expiresAt));
    grant.put("lifetime_seconds", (expiresAt - issuedAt) / 1000);
    grant.put("grant_type", text(p, "grant_type"));
    grant.put("grant_id", text(p, "grant_id"));
    grant.put("granted_by", text(p, "granted_by"));
    putIfText(grant, "parent_token_id", text(p, "parent_token_id"));
    if (p.path("max_uses").isNumber()) {
      grant.put("max_uses", p.path("max_uses").asInt());
    }
    grant.put("reason", text(p, "reason"));

    lines.add(
        "Token "
            + text(p, "token_id")
            + " was granted at "
            + time(issuedAt)
            + " to client "
            + text(p, "client_id")
            + " for subject "
            + text(p, "subject")
            + (actors.isEmpty() ? "" : ", acting: " + String.join(" on behalf of ", actors))
            + ".");
    lines.add(
        "  What: scopes ["
            + String.join(" ", issued.scopes())
            + "] for audience "
            + text(p, "audience")
            + ", valid for "
            + duration(expiresAt - issuedAt)
            + " (until "
            + time(expiresAt)
            + ")"
            + (p.path("max_uses").isNumber()
                ? ", at most " + p.path("max_uses").asInt() + " uses"
                : "")
            + ".");
    lines.add(
        "  How: "
            + text(p, "grant_type")
            + " grant "
            + text(p, "grant_id")
            + ", obtained by "
            + text(p, "granted_by")
            + (text(p, "parent_token_id").isEmpty()
                ? ""
                : ", exchanged from token " + text(p, "parent_token_id"))
            + ".");
    lines.add("Why:");
    policy(issued);
    rule(issued, text(p, "rule_id"), text(p, "grant_id"));
    lines.add("  The issuer's reason: " + text(p, "reason"));
    afterwards(issued);
    state(expiresAt);
  }

  /** The actor chain, nearest first: this token's actor, then those of its ancestors. */
  private List<String> actorChain(AuditEvent issued) {
    List<String> chain = new ArrayList<>();
    addActor(chain, payload(issued).path("actor"));
    for (JsonNode ancestor : payload(issued).path("lineage")) {
      issuanceOf(ancestor.asText()).ifPresent(e -> addActor(chain, payload(e).path("actor")));
    }
    return chain;
  }

  private static void addActor(List<String> chain, JsonNode actor) {
    String subject = text(actor, "subject");
    if (!subject.isEmpty()) {
      String client = text(actor, "client_id");
      chain.add(client.isEmpty() ? subject : subject + " (client " + client + ")");
    }
  }

  private Optional<AuditEvent> issuanceOf(String tokenId) {
    return events.stream()
        .filter(e -> e.eventType().equals("TokenIssued") && tokenId.equals(e.tokenId()))
        .findFirst();
  }

  // --- policy version and rule ----------------------------------------------------------------

  private void policy(AuditEvent decision) {
    JsonNode ref = withColumns(decision).path("policy");
    String policyId = text(ref, "policy_id");
    String digest = text(ref, "policy_version");
    ObjectNode policy = answer.putObject("policy");
    policy.put("policy_id", policyId);
    policy.put("digest", digest);
    Optional<AuditEvent> change = policyChange(policyId, digest, decision.occurredAt());
    if (change.isEmpty()) {
      lines.add(
          "  Policy "
              + policyId
              + " at digest "
              + digest
              + " (no policy change with that digest is in the history).");
      return;
    }
    JsonNode c = payload(change.get());
    policy.put("version", c.path("version").asLong());
    policy.put("author", text(c, "author"));
    policy.put("source", text(c, "source"));
    policy.put("changed_at", time(change.get().occurredAt()));
    ArrayNode approvals = policy.putArray("approvals");
    c.path("approvals").forEach(a -> approvals.add(a.asText()));
    StringBuilder line =
        new StringBuilder("  Policy ")
            .append(policyId)
            .append(" version ")
            .append(c.path("version").asLong())
            .append(" (digest ")
            .append(digest)
            .append("), in force since ")
            .append(time(change.get().occurredAt()))
            .append(", by ")
            .append(text(c, "author"))
            .append(" (")
            .append(text(c, "source"))
            .append(
                c.path("rolled_back_to").isNumber()
                    ? ", a rollback to version " + c.path("rolled_back_to").asLong()
                    : "")
            .append(")");
    if (!approvals.isEmpty()) {
      List<String> names = new ArrayList<>();
      approvals.forEach(a -> names.add(a.asText()));
      line.append("; approved: ").append(String.join("; ", names));
    }
    lines.add(line.append('.').toString());
  }

  /** The change that put {@code digest} in force at {@code at}: latest at or before, else first. */
  private Optional<AuditEvent> policyChange(String policyId, String digest, long at) {
    AuditEvent found = null;
    for (AuditEvent event : events) {
      if (event.eventType().equals("PolicyChanged")
          && policyId.equals(event.policyId())
          && digest.equals(event.policyVersion())
          && (found == null || event.occurredAt() <= at)) {
        found = event;
      }
    }
    return Optional.ofNullable(found);
  }

  private void rule(AuditEvent decision, String ruleId, String grantId) {
    Optional<AuditEvent> request = ruleId.isEmpty() ? Optional.empty() : accessRequest(ruleId);
    ObjectNode rule = answer.putObject("rule");
    rule.put("id", ruleId);
    if (request.isPresent()) {
      rule.put("kind", "exception");
      exception(request.get(), rule);
    } else if (ruleId.startsWith("exc-")) {
      rule.put("kind", "exception");
      lines.add(
          "  Rule: policy exception " + ruleId + " (its access request is not in the history).");
    } else if (ruleId.isEmpty()) {
      rule.put("kind", "none");
      lines.add(
          "  Rule: no single policy rule decided (for example, the client is unknown or did not"
              + " authenticate).");
    } else {
      rule.put("kind", "policy");
      lines.add(
          "  Rule: "
              + ruleId
              + " (the policy's entry for this client and audience, with its scope definitions).");
    }
    if (!grantId.isEmpty()) {
      consent(grantId, decision.occurredAt());
    }
  }

  /** The latest state of the access request whose exception is {@code exceptionId}. */
  private Optional<AuditEvent> accessRequest(String exceptionId) {
    AuditEvent found = null;
    for (AuditEvent event : events) {
      if (event.eventType().equals("AccessRequestChanged")
          && exceptionId.equals(text(payload(event), "exception_id"))) {
        found = event;
      }
    }
    return Optional.ofNullable(found);
  }

  private void exception(AuditEvent request, ObjectNode rule) {
    JsonNode r = payload(request);
    rule.put("request_id", text(r, "request_id"));
    rule.put("request_kind", text(r, "kind"));
    rule.put("requester", text(r, "requester"));
    rule.put("purpose", text(r, "purpose"));
    rule.put("status", text(r, "status"));
    rule.put("approvals_required", r.path("approvals_required").asInt());
    if (r.path("exception_until").isNumber()) {
      rule.put("until", time(r.path("exception_until").asLong()));
    }
    ArrayNode approvals = rule.putArray("approvals");
    List<String> approvers = new ArrayList<>();
    for (JsonNode a : r.path("approvals")) {
      approvals
          .addObject()
          .put("person", text(a, "person"))
          .put("at", time(a.path("decided_at").asLong()))
          .put("comment", text(a, "comment"));
      approvers.add(
          text(a, "person")
              + " at "
              + time(a.path("decided_at").asLong())
              + (text(a, "comment").isEmpty() ? "" : " (\"" + text(a, "comment") + "\")"));
    }
    lines.add(
        "  Rule: policy exception "
            + text(r, "exception_id")
            + " from access request "
            + text(r, "request_id")
            + " ("
            + text(r, "kind")
            + ", risk "
            + text(r, "risk")
            + ") by "
            + text(r, "requester")
            + " for \""
            + text(r, "purpose")
            + "\", now "
            + text(r, "status")
            + (r.path("exception_until").isNumber()
                ? ", until " + time(r.path("exception_until").asLong())
                : "")
            + ".");
    lines.add(
        "  Approvals ("
            + approvers.size()
            + " of "
            + r.path("approvals_required").asInt()
            + " required): "
            + (approvers.isEmpty() ? "none" : String.join("; ", approvers))
            + ".");
  }

  private void consent(String consentId, long at) {
    AuditEvent granted = null;
    AuditEvent withdrawn = null;
    for (AuditEvent event : events) {
      if (consentId.equals(event.grantId())) {
        if (event.eventType().equals("ConsentGranted")) {
          granted = event;
        } else if (event.eventType().equals("ConsentWithdrawn") && withdrawn == null) {
          withdrawn = event;
        }
      }
    }
    if (granted == null) {
      if (consentId.startsWith("cns-")) {
        lines.add("  Consent " + consentId + " (not in the history).");
      }
      return;
    }
    JsonNode c = payload(granted);
    ObjectNode consent = answer.putObject("consent");
    consent.put("consent_id", consentId);
    consent.put("user", text(c, "user"));
    consent.put("login", text(c, "login"));
    consent.put("client_id", text(c, "client_id"));
    consent.put("audience", text(c, "audience"));
    consent.put("purpose", text(c, "purpose"));
    consent.put("granted_at", time(granted.occurredAt()));
    consent.put("expires_at", time(c.path("expires_at").asLong()));
    ArrayNode requested = consent.putArray("requested_scopes");
    List<String> asked = new ArrayList<>();
    c.path("requested_scopes")
        .forEach(
            s -> {
              requested.add(s.asText());
              asked.add(s.asText());
            });
    ArrayNode grantedScopes = consent.putArray("granted_scopes");
    granted.scopes().forEach(grantedScopes::add);
    lines.add(
        "  Consent "
            + consentId
            + ": "
            + text(c, "user")
            + " (login "
            + text(c, "login")
            + ") let "
            + text(c, "client_id")
            + " act for them at "
            + time(granted.occurredAt())
            + " for \""
            + text(c, "purpose")
            + "\": granted ["
            + String.join(" ", granted.scopes())
            + "] of the requested ["
            + String.join(" ", asked)
            + "], until "
            + time(c.path("expires_at").asLong())
            + ".");
    if (withdrawn != null) {
      JsonNode w = payload(withdrawn);
      consent
          .putObject("withdrawn")
          .put("at", time(withdrawn.occurredAt()))
          .put("by", text(w, "withdrawn_by"))
          .put("reason", text(w, "reason"));
      if (withdrawn.occurredAt() <= at) {
        lines.add(
            "  The consent had been withdrawn at " + time(withdrawn.occurredAt()) + " already.");
      }
    }
  }

  // --- denial, use, consent, others -----------------------------------------------------------

  private void denial(AuditEvent denied) {
    JsonNode p = payload(denied);
    ObjectNode decision = answer.putObject("decision");
    decision.put("outcome", "denied");
    decision.put("client_id", text(p, "client_id"));
    putIfText(decision, "subject", text(p, "subject"));
    putIfText(decision, "audience", text(p, "audience"));
    decision.put("error", text(p, "error"));
    decision.put("reason", text(p, "reason"));
    decision.put("detail", text(p, "detail"));
    ArrayNode requested = decision.putArray("requested_scopes");
    denied.scopes().forEach(requested::add);
    ArrayNode allowed = decision.putArray("allowed_scopes");
    List<String> allowedScopes = new ArrayList<>();
    p.path("allowed_scopes")
        .forEach(
            s -> {
              allowed.add(s.asText());
              allowedScopes.add(s.asText());
            });
    lines.add(
        "Denied at "
            + time(denied.occurredAt())
            + ": client "
            + text(p, "client_id")
            + (text(p, "subject").isEmpty() ? "" : " for subject " + text(p, "subject"))
            + " asked for scopes ["
            + String.join(" ", denied.scopes())
            + "]"
            + (text(p, "audience").isEmpty() ? "" : " for audience " + text(p, "audience"))
            + " by "
            + text(p, "grant_type")
            + "; refused with "
            + text(p, "error")
            + " ("
            + text(p, "reason")
            + ").");
    lines.add("Why:");
    lines.add("  " + text(p, "detail"));
    lines.add(
        "  Policy allowed this client and audience: [" + String.join(" ", allowedScopes) + "].");
    policy(denied);
    rule(denied, text(p, "rule_id"), text(p, "grant_id"));
    if (!text(p, "parent_token_id").isEmpty()) {
      lines.add("  The subject token presented was " + text(p, "parent_token_id") + ".");
    }
  }

  private void use(AuditEvent used) {
    JsonNode p = payload(used);
    boolean allowed = "ALLOWED".equals(used.decision());
    ObjectNode decision = answer.putObject("decision");
    decision.put("outcome", allowed ? "allowed" : "denied");
    putIfText(decision, "deny_reason", text(p, "deny_reason"));
    decision.put("validator", text(p, "validator_id"));
    decision.put("resource", text(p, "resource"));
    putIfText(decision, "route_rule", text(p, "route_rule"));
    putIfText(decision, "route_table_version", text(p, "route_table_version"));
    ArrayNode required = decision.putArray("required_scopes");
    used.scopes().forEach(required::add);
    List<String> carried = new ArrayList<>();
    p.path("token_scopes").forEach(s -> carried.add(s.asText()));
    lines.add(
        "Use at "
            + time(used.occurredAt())
            + ": validator "
            + text(p, "validator_id")
            + (allowed ? " allowed " : " denied ")
            + text(p, "resource")
            + (text(p, "token_id").isEmpty()
                ? " to an unreadable token"
                : " to token " + text(p, "token_id"))
            + (text(p, "token_client_id").isEmpty()
                ? ""
                : " of client " + text(p, "token_client_id"))
            + (text(p, "subject").isEmpty() ? "" : " for subject " + text(p, "subject"))
            + (allowed ? "." : " (" + text(p, "deny_reason") + ")."));
    lines.add("Why:");
    if (text(p, "route_rule").isEmpty()) {
      lines.add(
          "  The validator named no rule (it required ["
              + String.join(" ", used.scopes())
              + "] without saying where that came from).");
    } else {
      lines.add(
          "  Rule: "
              + text(p, "route_rule")
              + (text(p, "route_table_version").isEmpty()
                  ? ""
                  : " of route table " + text(p, "route_table_version"))
              + ", requiring ["
              + String.join(" ", used.scopes())
              + "].");
    }
    lines.add("  The token carries [" + String.join(" ", carried) + "].");
    if (!text(p, "detail").isEmpty()) {
      lines.add("  " + text(p, "detail"));
    }
    if ("REVOKED".equals(text(p, "deny_reason"))) {
      for (AuditEvent event : events) {
        if (event.eventType().equals("Revocation") && event.occurredAt() <= used.occurredAt()) {
          lines.add("  Covered by: " + describe(event));
        }
      }
    }
    Optional<AuditEvent> issuance =
        text(p, "token_id").isEmpty() ? Optional.empty() : issuanceOf(text(p, "token_id"));
    if (issuance.isPresent()) {
      JsonNode i = payload(issuance.get());
      lines.add(
          "The token: granted at "
              + time(issuance.get().occurredAt())
              + " to client "
              + text(i, "client_id")
              + " for subject "
              + text(i, "subject")
              + ", scopes ["
              + String.join(" ", issuance.get().scopes())
              + "] for audience "
              + text(i, "audience")
              + ", under rule "
              + text(i, "rule_id")
              + "; ask why "
              + text(i, "token_id")
              + " for the whole story.");
    }
  }

  private void consentAsked(AuditEvent granted) {
    JsonNode c = payload(granted);
    lines.add(
        "Consent "
            + granted.grantId()
            + " given at "
            + time(granted.occurredAt())
            + " by "
            + text(c, "user")
            + " to client "
            + text(c, "client_id")
            + ".");
    lines.add("Why:");
    policy(granted);
    lines.add("  Rule: " + text(c, "rule_id") + " let the client ask for these scopes.");
    consent(String.valueOf(granted.grantId()), granted.occurredAt());
    afterwards(granted);
  }

  /** An access request: its state after {@code change}, and every change to it in the history. */
  private void request(AuditEvent change) {
    JsonNode r = payload(change);
    lines.add(
        "Access request "
            + text(r, "request_id")
            + " ("
            + text(r, "kind")
            + ") by "
            + text(r, "requester")
            + ": ["
            + String.join(" ", change.scopes())
            + "]"
            + (text(r, "client_id").isEmpty() ? "" : " for client " + text(r, "client_id"))
            + (text(r, "audience").isEmpty() ? "" : " and audience " + text(r, "audience"))
            + ", "
            + text(r, "status")
            + " after "
            + text(r, "change")
            + " by "
            + text(r, "actor")
            + " at "
            + time(change.occurredAt())
            + ".");
    lines.add("Why:");
    ObjectNode rule = answer.putObject("rule");
    rule.put("kind", "exception");
    rule.put("id", text(r, "exception_id"));
    exception(change, rule);
    ArrayNode history = answer.putArray("changes");
    lines.add("Its changes:");
    for (AuditEvent event : events) {
      if (event.eventType().equals("AccessRequestChanged")
          && text(r, "request_id").equals(text(payload(event), "request_id"))) {
        String line = describe(event);
        history.addObject().put("event_id", event.eventId()).put("text", line);
        lines.add("  " + line);
      }
    }
  }

  private void other(AuditEvent event) {
    lines.add(describe(event));
    if (event.policyId() != null) {
      policy(event);
    }
  }

  // --- what happened since --------------------------------------------------------------------

  /**
   * What happened after {@code from}: every event in {@code afterwards}; in the text, runs of three
   * or more allowed uses under one rule summed up in one line, and a line repeated word for word (a
   * revocation on the feed and on the fast path) said once.
   */
  private void afterwards(AuditEvent from) {
    ArrayNode after = answer.putArray("afterwards");
    List<String> text = new ArrayList<>();
    List<AuditEvent> run = new ArrayList<>();
    for (AuditEvent event : events) {
      if (event.eventId().equals(from.eventId()) || !happenedAfter(event, from)) {
        continue;
      }
      String line = describe(event);
      after
          .addObject()
          .put("occurred_at", time(event.occurredAt()))
          .put("type", event.eventType())
          .put("event_id", event.eventId())
          .put("text", line);
      if (allowedUse(event) && (run.isEmpty() || ruleOf(run.get(0)).equals(ruleOf(event)))) {
        run.add(event);
        continue;
      }
      flush(run, text);
      if (allowedUse(event)) {
        run.add(event);
      } else {
        addOnce(text, "  " + line);
      }
    }
    flush(run, text);
    lines.add("What happened since:");
    if (text.isEmpty()) {
      lines.add("  nothing recorded");
    }
    lines.addAll(text);
  }

  private static boolean allowedUse(AuditEvent event) {
    return event.eventType().equals("TokenUsed") && "ALLOWED".equals(event.decision());
  }

  private String ruleOf(AuditEvent use) {
    JsonNode p = payload(use);
    return text(p, "route_rule") + "\n" + text(p, "route_table_version");
  }

  private void flush(List<AuditEvent> run, List<String> text) {
    if (run.size() < 3) {
      run.forEach(use -> addOnce(text, "  " + describe(use)));
      run.clear();
      return;
    }
    java.util.Set<String> validators = new java.util.TreeSet<>();
    java.util.Set<String> resources = new java.util.LinkedHashSet<>();
    for (AuditEvent use : run) {
      validators.add(text(payload(use), "validator_id"));
      resources.add(text(payload(use), "resource"));
    }
    JsonNode first = payload(run.get(0));
    text.add(
        "  "
            + time(run.get(0).occurredAt())
            + " to "
            + time(run.get(run.size() - 1).occurredAt())
            + ": "
            + run.size()
            + " uses allowed by validator"
            + (validators.size() == 1 ? " " : "s ")
            + String.join(", ", validators)
            + " on "
            + resources.size()
            + (resources.size() == 1 ? " resource" : " resources")
            + " (first "
            + text(first, "resource")
            + ")"
            + (text(first, "route_rule").isEmpty() ? "" : ", rule " + text(first, "route_rule"))
            + (text(first, "route_table_version").isEmpty()
                ? ""
                : " of route table " + text(first, "route_table_version"))
            + ".");
    run.clear();
  }

  private static void addOnce(List<String> text, String line) {
    if (!text.contains(line)) {
      text.add(line);
    }
  }

  private boolean happenedAfter(AuditEvent event, AuditEvent from) {
    return switch (event.eventType()) {
      case "TokenUsed",
          "Revocation",
          "RevocationRequested",
          "SecurityAlert",
          "RefreshGrantChanged",
          "ConsentWithdrawn" ->
          true;
      case "AccessRequestChanged" -> event.occurredAt() > from.occurredAt();
      case "IssuanceDenied" -> from.tokenId() != null && from.tokenId().equals(event.tokenId());
      default -> false;
    };
  }

  private void state(long expiresAt) {
    AuditEvent revocation = null;
    for (AuditEvent event : events) {
      if (event.eventType().equals("Revocation")) {
        revocation = event;
        break;
      }
    }
    String state = revocation != null ? "revoked" : expiresAt <= now ? "expired" : "active";
    answer.put("state", state);
    lines.add(
        "State now: "
            + state
            + (revocation != null
                ? " (revoked at "
                    + time(revocation.occurredAt())
                    + " by "
                    + text(payload(revocation), "requested_by")
                    + ": "
                    + text(payload(revocation), "reason")
                    + ")"
                : "")
            + ".");
  }

  /** One event in one line. */
  private String describe(AuditEvent event) {
    JsonNode p = payload(event);
    String at = time(event.occurredAt()) + " ";
    return switch (event.eventType()) {
      case "TokenUsed" ->
          at
              + ("ALLOWED".equals(event.decision())
                  ? "use allowed"
                  : "use denied (" + text(p, "deny_reason") + ")")
              + " by validator "
              + text(p, "validator_id")
              + " for "
              + text(p, "resource")
              + (text(p, "route_rule").isEmpty() ? "" : ", rule " + text(p, "route_rule"))
              + (text(p, "route_table_version").isEmpty()
                  ? ""
                  : " of route table " + text(p, "route_table_version"))
              + ".";
      case "Revocation", "RevocationRequested" ->
          at
              + (event.eventType().equals("Revocation") ? "revoked" : "revocation requested")
              + " ("
              + text(p.path("selector"), "kind").toLowerCase(java.util.Locale.ROOT)
              + ":"
              + text(p.path("selector"), "value")
              + ") by "
              + text(p, "requested_by")
              + ": "
              + text(p, "reason")
              + (text(p, "detail").isEmpty() ? "" : " (" + text(p, "detail") + ")")
              + ".";
      case "SecurityAlert" -> at + "alert " + text(p, "rule") + " (" + text(p, "severity") + ").";
      case "RefreshGrantChanged" ->
          at
              + "grant "
              + text(p, "grant_id")
              + " "
              + text(p, "status")
              + " by "
              + text(p, "changed_by")
              + ".";
      case "ConsentWithdrawn" ->
          at
              + "consent "
              + text(p, "consent_id")
              + " withdrawn by "
              + text(p, "withdrawn_by")
              + " ("
              + text(p, "reason")
              + ").";
      case "AccessRequestChanged" ->
          at
              + "access request "
              + text(p, "request_id")
              + " "
              + text(p, "change")
              + " by "
              + text(p, "actor")
              + ", now "
              + text(p, "status")
              + ".";
      case "IssuanceDenied" ->
          at + "token request denied (" + text(p, "reason") + "): " + text(p, "detail") + ".";
      case "PolicyChanged" ->
          at
              + "policy "
              + text(p, "policy_id")
              + " version "
              + p.path("version").asLong()
              + " ("
              + text(p, "source")
              + ") by "
              + text(p, "author")
              + ".";
      default ->
          at
              + event.eventType()
              + (event.decision() == null ? "" : " " + event.decision())
              + (event.reason() == null ? "" : " (" + event.reason() + ")")
              + (event.actor() == null ? "" : " by " + event.actor())
              + ".";
    };
  }

  /**
   * The event's JSON with the analyst columns filled in where it lacks them, so a record stored
   * from an older schema still explains.
   */
  private ObjectNode withColumns(AuditEvent event) {
    JsonNode stored = payload(event);
    ObjectNode p =
        stored instanceof ObjectNode object ? object.deepCopy() : MAPPER.createObjectNode();
    fill(p, "token_id", event.tokenId());
    fill(p, "client_id", event.clientId());
    fill(p, "subject", event.subject());
    fill(p, "audience", event.audience());
    fill(p, "grant_id", event.grantId());
    fill(p, "grant_type", event.grantType());
    fill(p, "granted_by", event.actor());
    fill(p, "reason", event.reason());
    if (!p.path("policy").isObject() && event.policyId() != null) {
      p.putObject("policy")
          .put("policy_id", event.policyId())
          .put("policy_version", event.policyVersion());
    }
    return p;
  }

  private static void fill(ObjectNode node, String field, @Nullable String column) {
    if (column != null && text(node, field).isEmpty()) {
      node.put(field, column);
    }
  }

  // --- helpers ----------------------------------------------------------------------------------

  private JsonNode payload(AuditEvent event) {
    JsonNode node = payloads.get(event.eventId());
    return node == null ? MissingNode.getInstance() : node;
  }

  private static JsonNode parse(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      return MissingNode.getInstance();
    }
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.path(field);
    return value.isMissingNode() || value.isNull() ? "" : value.asText();
  }

  private static void putIfText(ObjectNode node, String field, @Nullable String value) {
    if (value != null && !value.isEmpty()) {
      node.put(field, value);
    }
  }

  private static String time(long millis) {
    return Instant.ofEpochMilli(millis).toString();
  }

  /** A lifetime in words: {@code 1 hour 30 minutes}, {@code 45 seconds}. */
  static String duration(long millis) {
    Duration d = Duration.ofMillis(Math.max(0, millis));
    List<String> parts = new ArrayList<>();
    unit(parts, d.toDaysPart(), "day");
    unit(parts, d.toHoursPart(), "hour");
    unit(parts, d.toMinutesPart(), "minute");
    unit(parts, d.toSecondsPart(), "second");
    return parts.isEmpty() ? "0 seconds" : String.join(" ", parts);
  }

  private static void unit(List<String> parts, long amount, String unit) {
    if (amount > 0) {
      parts.add(amount + " " + unit + (amount == 1 ? "" : "s"));
    }
  }
}
