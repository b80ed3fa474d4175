package io.tokenwatch.console.web;

import static java.util.Objects.requireNonNull;

import io.javalin.http.Context;
import io.javalin.router.JavalinDefaultRoutingApi;
import io.tokenwatch.console.fleet.Durations;
import io.tokenwatch.console.fleet.Reach;
import io.tokenwatch.console.source.FleetWatch;
import io.tokenwatch.console.source.IssuerRevocations;
import io.tokenwatch.people.Person;
import io.tokenwatch.people.Role;
import io.tokenwatch.schemas.http.ErrorFormat;
import io.tokenwatch.schemas.http.JsonErrors;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Revoke: responders and admins revoke a token, grant, lineage, subject, client or audience with a
 * reason, through the issuer as themselves; the issuer's policy decides who may revoke what and
 * which revocations wait for a second person, listed here for other responders and admins to
 * approve or refuse. Every revocation requested from this console is then followed to each
 * validator of the fleet: reached (when, and how long it took) or not yet, refreshed every few
 * seconds.
 */
public final class RevokeSection implements Section {

  /** Who may revoke, approve and refuse (the issuer's policy may narrow it per kind). */
  static final Role[] ACTORS = {Role.RESPONDER, Role.ADMIN};

  /** How many revocations the page follows to the validators, the newest. */
  static final int FOLLOWED = 10;

  /**
   * How much earlier than the console's request the issuer's clock may stamp the revocation's
   * records: records of the same selector produced before that belong to an earlier revocation.
   */
  static final Duration CLOCK_TOLERANCE = Duration.ofSeconds(5);

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("HH:mm:ss.SSS 'UTC'").withZone(ZoneOffset.UTC);

  private final ConsoleContext context;
  private final FleetWatch watch;
  private final IssuerRevocations issuer;
  private final Deque<Followed> followed = new ArrayDeque<>();

  /** A revocation the page follows to the validators. */
  public record Followed(String selector, Instant since, String by, String reason) {
    public Followed {
      requireNonNull(selector, "selector");
      requireNonNull(since, "since");
      requireNonNull(by, "by");
      requireNonNull(reason, "reason");
    }

    /** When it was requested, for people. */
    public String sinceText() {
      return TIME.format(since.plus(CLOCK_TOLERANCE));
    }
  }

  /** Where one followed revocation is: each validator's reach, in words. */
  public record Progress(Followed revocation, List<ValidatorReach> validators) {
    public Progress {
      validators = List.copyOf(validators);
    }

    public boolean everywhere() {
      return !validators.isEmpty() && validators.stream().allMatch(ValidatorReach::reached);
    }
  }

  /** One validator's reach of a revocation, in words. */
  public record ValidatorReach(String validatorId, boolean reached, String text) {}

  public RevokeSection(ConsoleContext context, FleetWatch watch) {
    this.context = requireNonNull(context, "context");
    this.watch = requireNonNull(watch, "watch");
    this.issuer = new IssuerRevocations(context.issuer());
  }

  @Override
  public String title() {
    return "Revoke";
  }

  @Override
  public String path() {
    return "/revoke";
  }

  @Override
  public Set<Role> viewers() {
    return Set.of(Role.RESPONDER, Role.ADMIN, Role.ANALYST, Role.AUDITOR, Role.APPROVER);
  }

  private Role[] viewerRoles() {
    return viewers().toArray(Role[]::new);
  }

  @Override
  public void routes(JavalinDefaultRoutingApi routes) {
    routes.get("/revoke", this::page);
    routes.post("/revoke", this::revoke);
    routes.post("/revoke/pending/{id}/approve", ctx -> decide(ctx, true));
    routes.post("/revoke/pending/{id}/refuse", ctx -> decide(ctx, false));
    routes.get("/revoke/propagation", this::propagationFragment);
  }

  private void page(Context ctx) {
    Person person = context.people().require(ctx, viewerRoles());
    render(ctx, person, 200, null, null, List.of(), Map.of());
  }

  private void revoke(Context ctx) {
    Person person = context.people().require(ctx, ACTORS);
    context.people().verifyCsrf(ctx);
    RevokeForm.Read read = RevokeForm.read(ctx.formParamMap());
    if (read instanceof RevokeForm.Invalid invalid) {
      if (!wantsHtml(ctx)) {
        JsonErrors.respond(ctx, ErrorFormat.PROBLEM, 400, String.join("; ", invalid.problems()));
        return;
      }
      render(ctx, person, 400, null, null, invalid.problems(), invalid.values());
      return;
    }
    RevokeForm form = ((RevokeForm.Valid) read).form();
    Instant since = context.clock().instant().minus(CLOCK_TOLERANCE);
    IssuerRevocations.Outcome outcome = issuer.request(person, form.issuerBody());
    answer(ctx, person, outcome, since, form.category() + ": " + form.reason());
  }

  private void decide(Context ctx, boolean approve) {
    Person person = context.people().require(ctx, ACTORS);
    context.people().verifyCsrf(ctx);
    String id = ctx.pathParam("id");
    Instant since = context.clock().instant().minus(CLOCK_TOLERANCE);
    IssuerRevocations.Outcome outcome =
        approve ? issuer.approve(person, id) : issuer.refuse(person, id);
    answer(ctx, person, outcome, since, "second person's approval of pending " + id);
  }

  private void answer(
      Context ctx, Person person, IssuerRevocations.Outcome outcome, Instant since, String reason) {
    if (outcome instanceof IssuerRevocations.Requested requested) {
      follow(new Followed(requested.selector(), since, person.name(), reason));
      render(
          ctx,
          person,
          200,
          "Revocation requested: " + requested.selector() + ". Below, it reaching each validator.",
          null,
          List.of(),
          Map.of());
    } else if (outcome instanceof IssuerRevocations.AwaitingSecondPerson pending) {
      render(
          ctx,
          person,
          200,
          "Waiting for a second person: this revocation (pending "
              + pending.pendingId()
              + ") is requested once another responder or admin approves it.",
          null,
          List.of(),
          Map.of());
    } else if (outcome instanceof IssuerRevocations.Dropped dropped) {
      render(
          ctx,
          person,
          200,
          "Pending revocation " + dropped.pendingId() + " refused: it will not be requested.",
          null,
          List.of(),
          Map.of());
    } else {
      IssuerRevocations.Refused refused = (IssuerRevocations.Refused) outcome;
      render(
          ctx,
          person,
          refusalStatus(refused.status()),
          null,
          "The issuer refused: " + refused.detail(),
          List.of(),
          Map.of());
    }
  }

  private void propagationFragment(Context ctx) {
    context.people().require(ctx, viewerRoles());
    context.views().fragment(ctx, 200, "revoke-propagation.jte", Map.of("progress", progress()));
  }

  private void render(
      Context ctx,
      Person person,
      int status,
      @Nullable String notice,
      @Nullable String error,
      List<String> problems,
      Map<String, String> values) {
    boolean actor = canAct(person);
    Map<String, Object> model = new HashMap<>();
    model.put("actor", actor);
    model.put("notice", notice == null ? "" : notice);
    model.put("error", error == null ? "" : error);
    model.put("problems", problems);
    model.put("values", values);
    model.put("kinds", RevokeForm.KINDS);
    model.put("categories", RevokeForm.CATEGORIES);
    model.put("progress", progress());
    model.putAll(actor ? pendingModel(ctx, person) : pendingModel(ctx, person, List.of()));
    context.views().page(ctx, person, status, "revoke.jte", "Revoke", model);
  }

  private Map<String, Object> pendingModel(Context ctx, Person person) {
    IssuerRevocations.PendingList list = issuer.pending(person);
    if (list instanceof IssuerRevocations.Listed listed) {
      return pendingModel(ctx, person, listed.pending());
    }
    IssuerRevocations.Unlisted unlisted = (IssuerRevocations.Unlisted) list;
    Map<String, Object> model = pendingModel(ctx, person, List.of());
    model.put(
        "pendingError",
        "The issuer did not list pending revocations"
            + (unlisted.status() == 0 ? "" : " (" + unlisted.status() + ")")
            + ": "
            + unlisted.detail());
    return model;
  }

  private Map<String, Object> pendingModel(
      Context ctx, Person person, List<IssuerRevocations.Pending> pending) {
    Map<String, Object> model = new HashMap<>();
    model.put("me", person);
    model.put("csrf", context.people().csrfToken(ctx));
    model.put("pending", pending);
    model.put("pendingError", "");
    return model;
  }

  private synchronized void follow(Followed revocation) {
    followed.addFirst(revocation);
    while (followed.size() > FOLLOWED) {
      followed.removeLast();
    }
  }

  /** Every followed revocation's reach of every validator, newest first. */
  List<Progress> progress() {
    List<Followed> now;
    synchronized (this) {
      now = List.copyOf(followed);
    }
    List<String> validators = watch.fleet().validatorIds();
    List<Progress> out = new ArrayList<>();
    for (Followed revocation : now) {
      List<ValidatorReach> reaches = new ArrayList<>();
      for (String validator : validators) {
        Reach reach =
            watch
                .fleet()
                .reach(validator, revocation.selector(), revocation.since(), watch.records());
        reaches.add(new ValidatorReach(validator, reach instanceof Reach.Reached, words(reach)));
      }
      out.add(new Progress(revocation, reaches));
    }
    return out;
  }

  private static String words(Reach reach) {
    if (reach instanceof Reach.Reached reached) {
      return reached.exact()
          ? "reached at " + TIME.format(reached.at()) + " (" + Durations.words(reached.took()) + ")"
          : "reached by "
              + TIME.format(reached.at())
              + " (at most "
              + Durations.words(reached.took())
              + ")";
    }
    return "not yet";
  }

  private static boolean canAct(Person person) {
    for (Role role : ACTORS) {
      if (person.has(role)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The console's status for an issuer refusal: the issuer's own for the person's mistakes and
   * refusals; a 401 means the issuer refused the console's assertion, a fault of the setup.
   */
  private static int refusalStatus(int issuerStatus) {
    if (issuerStatus >= 400 && issuerStatus < 500 && issuerStatus != 401) {
      return issuerStatus;
    }
    return issuerStatus == 0 ? 503 : 502;
  }

  private static boolean wantsHtml(Context ctx) {
    String accept = ctx.header("Accept");
    return accept != null && accept.contains("text/html");
  }
}
