package io.tokenwatch.console.web;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.javalin.router.JavalinDefaultRoutingApi;
import io.tokenwatch.console.source.AccessRequestView;
import io.tokenwatch.console.source.IssuerApi;
import io.tokenwatch.console.source.IssuerApi.Answer;
import io.tokenwatch.console.source.PolicyViews;
import io.tokenwatch.people.Person;
import io.tokenwatch.people.Role;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Access requests and policy: the approval inbox ({@code /access}, one request at {@code
 * /access/{id}}) and the policy's versions, diffs, held change and rollback ({@code /policy}).
 * Every read and every action goes to the issuer's people APIs as the person logged in, so the
 * issuer decides who sees and does what and enforces separation of duties; the pages show those
 * rules before the click ({@link AccessDuties}) and the issuer's refusal when one comes back
 * anyway. The console's own role checks on the action routes mirror the issuer's, so a person
 * without the role is refused here (403) before anything is sent.
 */
public final class AccessSection implements Section {

  /** The issuer's request ids; anything else never reaches the issuer's URL. */
  static final Pattern ID = Pattern.compile("req-[0-9a-f-]{36}");

  /** Who may read the policy history at the issuer. */
  static final Role[] POLICY_READERS = {Role.AUDITOR, Role.ANALYST, Role.APPROVER, Role.ADMIN};

  /** The most requests the inbox lists (pending ones first); the rest are counted. */
  static final int MAX_LISTED = 200;

  /** The longest comment the issuer accepts. */
  static final int MAX_COMMENT = 500;

  private static final List<String> STATUSES =
      List.of("pending", "approved", "refused", "cancelled", "expired");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ConsoleContext context;

  public AccessSection(ConsoleContext context) {
    this.context = requireNonNull(context, "context");
  }

  @Override
  public String title() {
    return "Access & policy";
  }

  @Override
  public String path() {
    return "/access";
  }

  @Override
  public Set<String> otherPaths() {
    return Set.of("/policy");
  }

  @Override
  public Set<Role> viewers() {
    // Everyone may see their own requests; who sees which is the issuer's to say.
    return Set.of();
  }

  @Override
  public void routes(JavalinDefaultRoutingApi routes) {
    routes.get("/access", this::inbox);
    routes.get("/access/{id}", this::request);
    for (AccessDuties.Action action : AccessDuties.Action.values()) {
      routes.post("/access/{id}/" + action.path(), ctx -> act(ctx, action));
    }
    routes.get("/policy", this::policy);
    routes.post("/policy/rollback", this::rollback);
  }

  // ---------------------------------------------------------------------------------------------
  // The approval inbox.

  /** One request with what the person may do with it. */
  public record Card(AccessRequestView request, AccessDuties.Offer offer) {
    public Card {
      requireNonNull(request, "request");
      requireNonNull(offer, "offer");
    }

    /** The approvals it needs, in words. */
    public String needs() {
      return AccessDuties.needs(request);
    }
  }

  private void inbox(Context ctx) {
    Person person = context.people().require(ctx);
    String status = ctx.queryParam("status");
    if (status != null && status.isBlank()) {
      status = null;
    }
    if (status != null && !STATUSES.contains(status)) {
      context
          .views()
          .message(
              ctx,
              person,
              400,
              "Access requests",
              "The status filter must be one of " + String.join(", ", STATUSES) + ".");
      return;
    }
    Answer answer =
        context
            .issuer()
            .get(person, "/access-requests" + (status == null ? "" : "?status=" + status));
    List<Card> cards = new ArrayList<>();
    String error = null;
    int httpStatus = 200;
    int unlisted = 0;
    if (answer.ok()) {
      try {
        List<AccessRequestView> requests = new ArrayList<>();
        for (JsonNode node : field(JSON.readTree(answer.body()), "requests")) {
          requests.add(AccessRequestView.fromJson(node));
        }
        // Pending first, each group in the issuer's order (most recently changed first).
        requests.sort(Comparator.comparing(request -> !request.pending()));
        unlisted = Math.max(0, requests.size() - MAX_LISTED);
        for (AccessRequestView request : requests.subList(0, requests.size() - unlisted)) {
          cards.add(new Card(request, AccessDuties.offer(person.id(), person.roles(), request)));
        }
      } catch (JsonProcessingException | IllegalArgumentException e) {
        error = unreadable(e);
        httpStatus = 502;
      }
    } else {
      error = "The issuer did not list the requests: " + why(answer);
      httpStatus = failureStatus(answer);
    }
    Map<String, Object> params = new HashMap<>();
    params.put("cards", cards);
    params.put("unlisted", unlisted);
    params.put("filter", status == null ? "" : status);
    params.put("statuses", STATUSES);
    params.put("error", error);
    params.put("policyReader", readsPolicy(person));
    context.views().page(ctx, person, httpStatus, "access.jte", "Access requests", params);
  }

  private void request(Context ctx) {
    Person person = context.people().require(ctx);
    String id = ctx.pathParam("id");
    if (!ID.matcher(id).matches()) {
      notFound(ctx, person);
      return;
    }
    Answer answer = context.issuer().get(person, "/access-requests/" + id);
    if (answer.status() == 404) {
      notFound(ctx, person);
      return;
    }
    showRequest(ctx, person, id, answer, answer.ok() ? 200 : failureStatus(answer), null, null);
  }

  private void act(Context ctx, AccessDuties.Action action) {
    // The roles the issuer's rules ask of each action: refused here before the issuer is asked.
    Person person =
        switch (action) {
          case APPROVE, REFUSE -> context.people().require(ctx, Role.APPROVER);
          case REVIEW -> context.people().require(ctx, Role.AUDITOR);
          case CANCEL -> context.people().require(ctx);
        };
    context.people().verifyCsrf(ctx);
    String id = ctx.pathParam("id");
    if (!ID.matcher(id).matches()) {
      notFound(ctx, person);
      return;
    }
    String comment = ctx.formParam("comment");
    if (comment != null && comment.length() > MAX_COMMENT) {
      Answer current = context.issuer().get(person, "/access-requests/" + id);
      showRequest(
          ctx,
          person,
          id,
          current,
          400,
          null,
          "A comment is at most " + MAX_COMMENT + " characters; nothing was sent.");
      return;
    }
    String body = null;
    if (comment != null && !comment.isBlank() && action != AccessDuties.Action.CANCEL) {
      body = JSON.createObjectNode().put("comment", comment.strip()).toString();
    }
    Answer answer =
        context.issuer().postJson(person, "/access-requests/" + id + "/" + action.path(), body);
    if (answer.ok()) {
      showRequest(ctx, person, id, answer, 200, "Done.", null);
      return;
    }
    Answer current = context.issuer().get(person, "/access-requests/" + id);
    showRequest(
        ctx,
        person,
        id,
        current,
        failureStatus(answer),
        null,
        "The issuer refused: " + why(answer));
  }

  /**
   * Shows one request from {@code answer} (the issuer's JSON for it), with a message or an error.
   */
  private void showRequest(
      Context ctx,
      Person person,
      String id,
      Answer answer,
      int status,
      @Nullable String message,
      @Nullable String error) {
    Card card = null;
    String problem = error;
    int httpStatus = status;
    if (answer.ok()) {
      try {
        AccessRequestView request = AccessRequestView.fromJson(JSON.readTree(answer.body()));
        card = new Card(request, AccessDuties.offer(person.id(), person.roles(), request));
      } catch (JsonProcessingException | IllegalArgumentException e) {
        problem = unreadable(e);
        httpStatus = 502;
      }
    } else if (problem == null) {
      problem = "The issuer did not show the request: " + why(answer);
    }
    Map<String, Object> params = new HashMap<>();
    params.put("id", id);
    params.put("card", card);
    params.put(
        "message",
        card != null && message != null ? message + " " + card.request().detail() : message);
    params.put("error", problem);
    params.put("policyReader", readsPolicy(person));
    context.views().page(ctx, person, httpStatus, "accessrequest.jte", "Access request", params);
  }

  private void notFound(Context ctx, Person person) {
    context
        .views()
        .message(
            ctx,
            person,
            404,
            "Access request",
            "There is no access request with that id that you may see.");
  }

  // ---------------------------------------------------------------------------------------------
  // Policy.

  /** What the policy page shows. */
  public record PolicyPage(
      Optional<PolicyViews.History> history,
      Optional<Long> inForce,
      Optional<PolicyViews.Pending> pending,
      @Nullable Long from,
      @Nullable Long to,
      List<PolicyViews.DiffLine> diff,
      boolean admin) {
    public PolicyPage {
      requireNonNull(history, "history");
      requireNonNull(inForce, "inForce");
      requireNonNull(pending, "pending");
      diff = List.copyOf(diff);
    }
  }

  private void policy(Context ctx) {
    Person person = context.people().require(ctx, POLICY_READERS);
    Long from = null;
    Long to = null;
    String fromText = ctx.queryParam("from");
    String toText = ctx.queryParam("to");
    if (fromText != null || toText != null) {
      from = versionNumber(fromText);
      to = versionNumber(toText);
      if (from == null || to == null) {
        context
            .views()
            .message(
                ctx,
                person,
                400,
                "Policy",
                "Choose two versions to compare: from and to are version numbers of at least 1.");
        return;
      }
    }
    showPolicy(ctx, person, 200, from, to, null, null);
  }

  private void rollback(Context ctx) {
    Person person = context.people().require(ctx, Role.ADMIN);
    context.people().verifyCsrf(ctx);
    Long version = versionNumber(ctx.formParam("version"));
    if (version == null) {
      showPolicy(
          ctx, person, 400, null, null, null, "Choose the version to roll back to by its number.");
      return;
    }
    Answer answer =
        context
            .issuer()
            .postJson(
                person,
                "/policy/rollback",
                JSON.createObjectNode().put("version", version).toString());
    String message = null;
    String error = null;
    int status = 200;
    if (answer.status() == 200) {
      message =
          "Rolled back: version "
              + version
              + "'s document is in force again, recorded as version "
              + jsonField(answer.body(), "version").orElse("?")
              + ".";
    } else if (answer.status() == 202) {
      message =
          "The rollback to version "
              + version
              + " widens access, so it waits for approval: access request "
              + jsonField(answer.body(), "request_id").orElse("?")
              + ".";
      status = 202;
    } else {
      error = "The issuer refused the rollback: " + why(answer);
      status = failureStatus(answer);
    }
    showPolicy(ctx, person, status, null, null, message, error);
  }

  private void showPolicy(
      Context ctx,
      Person person,
      int status,
      @Nullable Long from,
      @Nullable Long to,
      @Nullable String message,
      @Nullable String error) {
    List<String> errors = new ArrayList<>();
    if (error != null) {
      errors.add(error);
    }
    int httpStatus = status;
    Optional<PolicyViews.History> history = Optional.empty();
    Answer answer = context.issuer().get(person, "/policy/history");
    if (answer.ok()) {
      try {
        history = Optional.of(PolicyViews.History.fromJson(JSON.readTree(answer.body())));
      } catch (JsonProcessingException | IllegalArgumentException e) {
        errors.add(unreadable(e));
      }
    } else {
      errors.add("The issuer did not show the policy history: " + why(answer));
      httpStatus = httpStatus == 200 ? failureStatus(answer) : httpStatus;
    }
    Optional<Long> inForce = history.flatMap(PolicyViews.History::inForce);
    if (from == null && to == null && inForce.isPresent() && inForce.get() > 1) {
      to = inForce.get();
      from = to - 1;
    }
    List<PolicyViews.DiffLine> diff = List.of();
    if (from != null && to != null && history.isPresent()) {
      Answer diffAnswer = context.issuer().get(person, "/policy/diff?from=" + from + "&to=" + to);
      if (diffAnswer.ok()) {
        try {
          diff = PolicyViews.diffFromJson(JSON.readTree(diffAnswer.body()));
        } catch (JsonProcessingException | IllegalArgumentException e) {
          errors.add(unreadable(e));
        }
      } else {
        errors.add("The issuer did not compare the versions: " + why(diffAnswer));
      }
    }
    Optional<PolicyViews.Pending> pending = Optional.empty();
    if (history.isPresent()) {
      Answer pendingAnswer = context.issuer().get(person, "/policy/pending");
      if (pendingAnswer.ok()) {
        try {
          pending = PolicyViews.Pending.fromJson(JSON.readTree(pendingAnswer.body()));
        } catch (JsonProcessingException | IllegalArgumentException e) {
          errors.add(unreadable(e));
        }
      } else {
        errors.add("The issuer did not show the pending change: " + why(pendingAnswer));
      }
    }
    Map<String, Object> params = new HashMap<>();
    params.put(
        "page", new PolicyPage(history, inForce, pending, from, to, diff, person.has(Role.ADMIN)));
    params.put("message", message);
    params.put("errors", errors);
    context.views().page(ctx, person, httpStatus, "policy.jte", "Policy", params);
  }

  // ---------------------------------------------------------------------------------------------

  private static boolean readsPolicy(Person person) {
    return Arrays.stream(POLICY_READERS).anyMatch(person::has);
  }

  /** A positive version number of at most 18 digits, else null. */
  static @Nullable Long versionNumber(@Nullable String text) {
    if (text == null
        || text.isEmpty()
        || text.length() > 18
        || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return null;
    }
    long value = Long.parseLong(text);
    return value < 1 ? null : value;
  }

  /**
   * The status the console answers with when the issuer did not say yes: the issuer's own for a
   * client mistake or refusal, 503 when it did not answer (or the console may not act there), 502
   * when it refused the console itself or failed.
   */
  static int failureStatus(Answer answer) {
    int status = answer.status();
    if (status == 0) {
      return 503;
    }
    if (status == 401 || status >= 500) {
      return 502;
    }
    return status;
  }

  private static String why(Answer answer) {
    return answer.status() == 0 ? answer.body() : IssuerApi.detail(answer);
  }

  private static String unreadable(Exception e) {
    return "The issuer's answer could not be read (" + e.getMessage() + ").";
  }

  private static JsonNode field(JsonNode node, String name) {
    JsonNode value = node == null ? null : node.get(name);
    if (value == null || !value.isArray()) {
      throw new IllegalArgumentException(name + " must be a list");
    }
    return value;
  }

  private static Optional<String> jsonField(String body, String name) {
    try {
      JsonNode node = JSON.readTree(body);
      return node != null && node.hasNonNull(name)
          ? Optional.of(node.get(name).asText())
          : Optional.empty();
    } catch (JsonProcessingException e) {
      return Optional.empty();
    }
  }
}
