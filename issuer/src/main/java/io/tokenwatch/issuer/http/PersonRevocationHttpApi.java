package io.tokenwatch.issuer.http;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.tokenwatch.issuer.EventLogUnavailableException;
import io.tokenwatch.issuer.RevocationReceipt;
import io.tokenwatch.issuer.policy.Policy;
import io.tokenwatch.issuer.policy.RevocationRights;
import io.tokenwatch.issuer.revocation.ActingPerson;
import io.tokenwatch.issuer.revocation.AdminRevocation;
import io.tokenwatch.issuer.revocation.PendingRevocation;
import io.tokenwatch.issuer.revocation.PersonRevocationOutcome;
import io.tokenwatch.issuer.revocation.PersonRevocations;
import io.tokenwatch.issuer.revocation.RevocationOutcome;
import io.tokenwatch.people.PeopleGate;
import io.tokenwatch.people.Person;
import io.tokenwatch.people.PersonAssertions;
import io.tokenwatch.schemas.http.ErrorFormat;
import io.tokenwatch.schemas.http.JsonErrors;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Revocations by people, under the policy's {@code revocation_rights}:
 *
 * <ul>
 *   <li>{@code POST /admin/revocations} from a person (a session, HTTP Basic of a users-file user,
 *       or a person assertion from the console), same body as for admins: 202 {@code
 *       "status":"requested"} with where it landed, or 202 {@code "status":"pending"} with a {@code
 *       pending_id} when a second person must approve;
 *   <li>{@code GET /admin/revocations/pending}: what waits, for people who may revoke;
 *   <li>{@code POST /admin/revocations/pending/{id}/approve} and {@code .../refuse}: by a different
 *       person allowed to request that kind.
 * </ul>
 *
 * Refusals are RFC 7807 problem+json: 401 not logged in, 403 the role is missing or it is the
 * person's own request, 404 unknown id, 409 already decided or lapsed, 400 a malformed body, 503
 * when Kafka cannot record it. Session requests need their CSRF token.
 */
public final class PersonRevocationHttpApi {

  private static final Logger LOG = LoggerFactory.getLogger(PersonRevocationHttpApi.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern ID = Pattern.compile("rev-[0-9a-f-]{36}");

  private final PersonRevocations revocations;
  private final PeopleGate people;
  private final Supplier<Policy> policy;

  public PersonRevocationHttpApi(
      PersonRevocations revocations, PeopleGate people, Supplier<Policy> policy) {
    this.revocations = requireNonNull(revocations, "revocations");
    this.people = requireNonNull(people, "people");
    this.policy = requireNonNull(policy, "policy");
  }

  /** Adds the pending-revocation routes; {@code POST /admin/revocations} is the admin API's. */
  public void configure(JavalinConfig config) {
    var routes = config.routes;
    routes.get("/admin/revocations/pending", this::pending);
    routes.post("/admin/revocations/pending/{id}/approve", ctx -> decide(ctx, true));
    routes.post("/admin/revocations/pending/{id}/refuse", ctx -> decide(ctx, false));
  }

  /**
   * Whether a call to {@code POST /admin/revocations} is a person's: it carries a person assertion,
   * a cookie (a session, or a stale one the gate answers for), or HTTP Basic credentials whose user
   * name is not a client of the policy (a client's are the admin API's).
   */
  boolean isPersonRequest(Context ctx) {
    if (ctx.header(PersonAssertions.HEADER) != null) {
      return true;
    }
    String authorization = ctx.header("Authorization");
    if (authorization == null) {
      return !ctx.cookieMap().isEmpty();
    }
    String[] parts = authorization.strip().split(" +", 2);
    if (parts.length != 2 || !parts[0].equalsIgnoreCase("Basic")) {
      return false;
    }
    try {
      String decoded =
          new String(Base64.getDecoder().decode(parts[1].strip()), StandardCharsets.UTF_8);
      int colon = decoded.indexOf(':');
      String user = colon < 0 ? decoded : decoded.substring(0, colon);
      // Client ids in Basic credentials are form-encoded (RFC 6749 section 2.3.1).
      return policy.get().client(URLDecoder.decode(user, StandardCharsets.UTF_8)).isEmpty();
    } catch (IllegalArgumentException e) {
      // Not decodable: the admin API answers it as the malformed client credentials it is.
      return false;
    }
  }

  /** {@code POST /admin/revocations} by a person. */
  void revoke(Context ctx) {
    ActingPerson person = acting(ctx);
    people.verifyCsrf(ctx);
    AdminRevocation revocation;
    try {
      revocation = AdminRevocationBody.read(ctx.bodyAsBytes()).toRevocation(person.identity());
    } catch (AdminRevocationBody.MalformedBodyException e) {
      problem(ctx, e.status(), String.valueOf(e.getMessage()));
      return;
    } catch (HttpResponseException e) {
      problem(ctx, e.getStatus(), ErrorFormat.describe(e.getStatus()));
      return;
    }
    try {
      answer(ctx, revocations.request(person, revocation));
    } catch (EventLogUnavailableException e) {
      unavailable(ctx, e);
    }
  }

  private void pending(Context ctx) {
    ActingPerson person = acting(ctx);
    if (!revocations.mayRevokeAnything(person)) {
      problem(ctx, 403, "the policy lets none of your roles revoke, so none wait for you");
      return;
    }
    ArrayNode out = JSON.createArrayNode();
    for (PendingRevocation pending : revocations.waiting(person)) {
      out.add(json(pending).put("own", pending.requester().equals(person.id())));
    }
    ctx.status(200)
        .contentType("application/json")
        .result(JSON.createObjectNode().set("pending", out).toString());
  }

  private void decide(Context ctx, boolean approve) {
    ActingPerson person = acting(ctx);
    people.verifyCsrf(ctx);
    String id = ctx.pathParam("id");
    if (!ID.matcher(id).matches()) {
      problem(ctx, 404, "no pending revocation with that id");
      return;
    }
    try {
      answer(ctx, approve ? revocations.approve(id, person) : revocations.refuse(id, person));
    } catch (EventLogUnavailableException e) {
      unavailable(ctx, e);
    }
  }

  private ActingPerson acting(Context ctx) {
    Person person = people.require(ctx);
    return ActingPerson.of(person.id(), person.roles(), people.asserter(ctx).orElse(null));
  }

  private static void answer(Context ctx, PersonRevocationOutcome outcome) {
    if (outcome instanceof PersonRevocationOutcome.Requested requested) {
      ObjectNode body = JSON.createObjectNode().put("status", "requested");
      receipt(body, requested.accepted());
      ok(ctx, 202, body);
    } else if (outcome instanceof PersonRevocationOutcome.Pending pending) {
      ObjectNode body = json(pending.pending());
      body.put("pending_id", pending.pending().id());
      ok(ctx, 202, body);
    } else if (outcome instanceof PersonRevocationOutcome.Approved approved) {
      ObjectNode body = json(approved.pending());
      receipt(body, approved.accepted());
      ok(ctx, 200, body);
    } else if (outcome instanceof PersonRevocationOutcome.Refused refused) {
      ok(ctx, 200, json(refused.pending()));
    } else if (outcome instanceof PersonRevocationOutcome.Denied denied) {
      int status =
          switch (denied.why()) {
            case FORBIDDEN, OWN_REQUEST -> 403;
            case NOT_FOUND -> 404;
            case NOT_PENDING -> 409;
            case INVALID -> 400;
          };
      problem(ctx, status, denied.detail());
    }
  }

  /** The selector, the request's event id and where it landed, for the console to follow. */
  static void receipt(ObjectNode body, RevocationOutcome.Accepted accepted) {
    body.put("selector", accepted.selector());
    RevocationReceipt receipt = accepted.receipt();
    if (receipt != null) {
      body.put("event_id", receipt.eventId());
      body.set("revocation_request", landed(receipt.request()));
      body.set("fast_path", landed(receipt.fastPath()));
    }
  }

  private static ObjectNode landed(RevocationReceipt.Landed landed) {
    return JSON.createObjectNode()
        .put("topic", landed.topic())
        .put("partition", landed.partition())
        .put("offset", landed.offset());
  }

  private static ObjectNode json(PendingRevocation pending) {
    AdminRevocation revocation = pending.revocation();
    ObjectNode body =
        JSON.createObjectNode()
            .put("id", pending.id())
            .put("status", pending.status().name().toLowerCase(java.util.Locale.ROOT))
            .put("kind", RevocationRights.name(revocation.kind()))
            .put("value", revocation.value())
            .put("selector", RevocationRights.name(revocation.kind()) + ":" + revocation.value())
            .put(
                "issued_before",
                revocation.issuedBefore() == null ? null : revocation.issuedBefore().toString())
            .put("reason", revocation.reason().name().toLowerCase(java.util.Locale.ROOT))
            .put("detail", revocation.detail())
            .put("requester", pending.requester())
            .put("requested_by", revocation.requestedBy())
            .put("requested_at", pending.requestedAt().toString())
            .put("expires_at", pending.expiresAt().toString());
    if (pending.decidedBy() != null) {
      body.put("decided_by", pending.decidedBy());
      body.put("decided_at", String.valueOf(pending.decidedAt()));
    }
    return body;
  }

  private static void ok(Context ctx, int status, ObjectNode body) {
    ctx.status(status)
        .header("Cache-Control", "no-store")
        .contentType("application/json")
        .result(body.toString());
  }

  private static void problem(Context ctx, int status, String detail) {
    JsonErrors.respond(ctx, ErrorFormat.PROBLEM, status, detail);
  }

  private static void unavailable(Context ctx, @Nullable EventLogUnavailableException e) {
    LOG.error("Cannot record a person's revocation: {}", e == null ? "" : e.getMessage());
    ctx.header("Retry-After", "5");
    problem(ctx, 503, "cannot record the revocation right now; try again shortly");
  }
}
