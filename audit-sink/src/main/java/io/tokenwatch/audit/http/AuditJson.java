package io.tokenwatch.audit.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenwatch.audit.AuditEvent;
import io.tokenwatch.audit.ChainHead;
import io.tokenwatch.audit.Checkpoint;
import io.tokenwatch.audit.Finding;
import io.tokenwatch.audit.GrantView;
import io.tokenwatch.audit.LeastPrivilege;
import io.tokenwatch.audit.VerificationReport;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The JSON shapes of audit answers, shared by the HTTP API and the CLI. Thread-safe. */
public final class AuditJson {

  /** The mapper used throughout. */
  public static final ObjectMapper MAPPER = new ObjectMapper();

  private AuditJson() {}

  /** One event: its columns, times as ISO-8601, and the full event under {@code event}. */
  public static ObjectNode event(AuditEvent e) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("event_id", e.eventId());
    node.put("type", e.eventType());
    node.put("occurred_at", Instant.ofEpochMilli(e.occurredAt()).toString());
    put(node, "subject", e.subject());
    put(node, "client_id", e.clientId());
    put(node, "token_id", e.tokenId());
    put(node, "grant_id", e.grantId());
    put(node, "audience", e.audience());
    put(node, "grant_type", e.grantType());
    ArrayNode scopes = node.putArray("scopes");
    e.scopes().forEach(scopes::add);
    put(node, "decision", e.decision());
    put(node, "reason", e.reason());
    put(node, "policy_id", e.policyId());
    put(node, "policy_version", e.policyVersion());
    put(node, "actor", e.actor());
    if (e.expiresAt() != null) {
      node.put("expires_at", Instant.ofEpochMilli(e.expiresAt()).toString());
    }
    ObjectNode source = node.putObject("source");
    source.put("topic", e.sourceTopic());
    source.put("partition", e.sourcePartition());
    source.put("offset", e.sourceOffset());
    node.set("event", payload(e.json()));
    return node;
  }

  /** The stored event JSON as a tree, or as a string if it does not parse. */
  public static JsonNode payload(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      return MAPPER.getNodeFactory().textNode(json);
    }
  }

  /** A grant with its state. */
  public static ObjectNode grant(GrantView g) {
    AuditEvent i = g.issuance();
    ObjectNode node = MAPPER.createObjectNode();
    put(node, "token_id", i.tokenId());
    put(node, "grant_id", i.grantId());
    put(node, "subject", i.subject());
    put(node, "client_id", i.clientId());
    put(node, "audience", i.audience());
    ArrayNode scopes = node.putArray("scopes");
    i.scopes().forEach(scopes::add);
    node.put("granted_at", Instant.ofEpochMilli(i.occurredAt()).toString());
    put(node, "granted_by", i.actor());
    put(node, "reason", i.reason());
    put(node, "grant_type", i.grantType());
    put(node, "policy_id", i.policyId());
    put(node, "policy_version", i.policyVersion());
    if (i.expiresAt() != null) {
      node.put("expires_at", Instant.ofEpochMilli(i.expiresAt()).toString());
    }
    node.put("state", g.state().name().toLowerCase(java.util.Locale.ROOT));
    if (g.revokedAt() != null) {
      ObjectNode revocation = node.putObject("revocation");
      revocation.put("at", Instant.ofEpochMilli(g.revokedAt()).toString());
      put(revocation, "reason", g.revocationReason());
      put(revocation, "by", g.revokedBy());
      put(revocation, "selector", g.revocationSelector());
      put(revocation, "id", g.revocationId());
    }
    node.put("event_id", i.eventId());
    behind(node, g.governance());
    return node;
  }

  /**
   * What people decided behind a grant: {@code consent} (with {@code withdrawn}), {@code exception}
   * (the access request's latest state), {@code policy_change}, and {@code behind}, the same in one
   * line for tables.
   */
  private static void behind(ObjectNode node, List<AuditEvent> governance) {
    List<String> text = new java.util.ArrayList<>();
    for (AuditEvent event : governance) {
      JsonNode p = payload(event.json());
      switch (event.eventType()) {
        case "ConsentGranted" -> {
          ObjectNode consent = node.putObject("consent");
          consent.put("consent_id", p.path("consent_id").asText());
          consent.put("user", p.path("user").asText());
          consent.put("purpose", p.path("purpose").asText());
          consent.put("granted_at", Instant.ofEpochMilli(event.occurredAt()).toString());
          strings(consent.putArray("granted_scopes"), event.scopes());
          consent.set("requested_scopes", p.path("requested_scopes"));
          text.add(
              "consent "
                  + p.path("consent_id").asText()
                  + " by "
                  + p.path("user").asText()
                  + " for \""
                  + p.path("purpose").asText()
                  + "\"");
        }
        case "ConsentWithdrawn" -> {
          ObjectNode consent =
              node.has("consent") ? (ObjectNode) node.get("consent") : node.putObject("consent");
          consent
              .putObject("withdrawn")
              .put("at", Instant.ofEpochMilli(event.occurredAt()).toString())
              .put("by", p.path("withdrawn_by").asText())
              .put("reason", p.path("reason").asText());
          text.add(
              "withdrawn by "
                  + p.path("withdrawn_by").asText()
                  + " ("
                  + p.path("reason").asText()
                  + ")");
        }
        case "AccessRequestChanged" -> {
          ObjectNode exception = node.putObject("exception");
          exception.put("exception_id", p.path("exception_id").asText());
          exception.put("request_id", p.path("request_id").asText());
          exception.put("requester", p.path("requester").asText());
          exception.put("purpose", p.path("purpose").asText());
          exception.put("status", p.path("status").asText());
          ArrayNode approvers = exception.putArray("approved_by");
          List<String> names = new java.util.ArrayList<>();
          p.path("approvals")
              .forEach(
                  a -> {
                    approvers.add(a.path("person").asText());
                    names.add(a.path("person").asText());
                  });
          text.add(
              "exception "
                  + p.path("exception_id").asText()
                  + " (request "
                  + p.path("request_id").asText()
                  + " by "
                  + p.path("requester").asText()
                  + ", approved by "
                  + (names.isEmpty() ? "nobody" : String.join(", ", names))
                  + ", "
                  + p.path("status").asText()
                  + ")");
        }
        case "PolicyChanged" -> {
          node.putObject("policy_change")
              .put("version", p.path("version").asLong())
              .put("author", p.path("author").asText())
              .put("source", p.path("source").asText())
              .put("changed_at", Instant.ofEpochMilli(event.occurredAt()).toString());
          text.add(
              "policy version " + p.path("version").asLong() + " by " + p.path("author").asText());
        }
        default -> {
          // the store hands only the four governance types
        }
      }
    }
    if (!text.isEmpty()) {
      node.put("behind", String.join("; ", text));
    }
  }

  /** The least-privilege report. */
  public static ObjectNode leastPrivilege(LeastPrivilege.Report report, int days) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("days", days);
    node.put("principals", report.principals());
    ArrayNode narrowable = node.putArray("narrowable");
    report.narrowable().forEach(n -> narrowable.add(narrowable(n)));
    ArrayNode idle = node.putArray("idle");
    report.idle().forEach(n -> idle.add(narrowable(n)));
    ArrayNode unused = node.putArray("unused_scopes");
    for (LeastPrivilege.UnusedScope scope : report.unusedScopes()) {
      unused
          .addObject()
          .put("scope", scope.scope())
          .put("granted_tokens", scope.grantedTokens())
          .put("principals", scope.principals());
    }
    return node;
  }

  private static ObjectNode narrowable(LeastPrivilege.Narrowable n) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("client_id", n.principal().clientId());
    put(node, "on_behalf_of", n.principal().subject());
    strings(node.putArray("granted"), n.granted());
    strings(node.putArray("exercised"), n.exercised());
    strings(node.putArray("unused"), n.unused());
    node.put("tokens", n.tokens());
    node.put("allowed_uses", n.uses());
    return node;
  }

  /** A verification report. */
  public static ObjectNode report(VerificationReport report) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("verifies", report.verifies());
    node.put("records", report.records());
    node.put("chains", report.chains());
    node.put("checkpoints", report.checkpoints());
    node.put("unsealed", report.unsealed());
    ArrayNode findings = node.putArray("findings");
    for (Finding finding : report.findings()) {
      findings.addObject().put("kind", finding.kind()).put("detail", finding.describe());
    }
    return node;
  }

  /** A checkpoint. */
  public static ObjectNode checkpoint(Checkpoint c) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("number", c.number());
    node.put("created_at", Instant.ofEpochMilli(c.createdAt()).toString());
    node.put("previous_digest", c.previousDigest());
    node.put("digest", c.digest());
    node.put("key_id", c.keyId());
    node.put("records", c.records());
    ArrayNode heads = node.putArray("heads");
    for (ChainHead head : c.heads()) {
      heads
          .addObject()
          .put("topic", head.chain().topic())
          .put("partition", head.chain().partition())
          .put("seq", head.seq())
          .put("hash", head.hash());
    }
    node.put("signature", Base64.getUrlEncoder().withoutPadding().encodeToString(c.signature()));
    return node;
  }

  private static void strings(ArrayNode array, List<String> values) {
    values.forEach(array::add);
  }

  private static void put(ObjectNode node, String name, @Nullable String value) {
    if (value != null) {
      node.put(name, value);
    }
  }
}
