package io.tokenwatch.console.web;

import static java.util.Objects.requireNonNull;

import io.javalin.http.Context;
import io.javalin.http.sse.SseClient;
import io.javalin.router.JavalinDefaultRoutingApi;
import io.tokenwatch.console.alerts.Alert;
import io.tokenwatch.console.alerts.AlertAct;
import io.tokenwatch.console.alerts.AlertBoard;
import io.tokenwatch.console.alerts.PerMinute;
import io.tokenwatch.console.alerts.Suppression;
import io.tokenwatch.console.source.AlertActionLog;
import io.tokenwatch.console.source.AlertEvents;
import io.tokenwatch.console.source.GroupLag;
import io.tokenwatch.console.source.GroupLags;
import io.tokenwatch.events.AlertAction;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.SecurityAlert;
import io.tokenwatch.people.Person;
import io.tokenwatch.people.Role;
import io.tokenwatch.schemas.http.ErrorFormat;
import io.tokenwatch.schemas.http.JsonErrors;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.topic.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The overview, the console's home page: what is happening now. Alerts from {@code
 * tokenwatch.security-alerts} as they come (pushed to open pages by server-sent events), what
 * people did about them from {@code tokenwatch.alert-actions} (so every console instance shows the
 * same, across restarts), revocation requests per minute over the last {@value #RATE_MINUTES}
 * minutes, and the anomaly detector's and the audit sink's consumer lag. Responders and admins
 * acknowledge, assign and suppress; everyone else only looks.
 */
public final class OverviewSection implements Section {

  private static final Logger LOG = LoggerFactory.getLogger(OverviewSection.class);

  /** How many alerts the page keeps, newest first (and reads back per partition at start). */
  static final int ALERTS_KEPT = 200;

  /** The minutes of the revocation chart, the current one included. */
  static final int RATE_MINUTES = 15;

  /** Revocation requests read back per partition at start, to fill the chart. */
  private static final long RATE_LOOKBACK = 10_000;

  private static final Role[] ACTORS = {Role.RESPONDER, Role.ADMIN};
  private static final String PERSON = "tokenwatch.overview.person";
  private static final Pattern PERSON_ID = Pattern.compile("[A-Za-z0-9._@+-]{1,64}");
  private static final int REASON_MAX = 500;
  private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration READ_BACK = Duration.ofSeconds(10);

  private final ConsoleContext context;
  private final AlertBoard board = new AlertBoard(ALERTS_KEPT);
  private final PerMinute revocations = new PerMinute(RATE_MINUTES);
  private final LiveHub hub = new LiveHub();
  private final Deque<AutoCloseable> resources = new ArrayDeque<>();
  private final AlertActionLog actions;
  private final GroupLags lags;

  public OverviewSection(ConsoleContext context) {
    this.context = requireNonNull(context, "context");
    try {
      // The hub is not closed here: the server has stopped by then and dropped its connections,
      // and completing a dropped SSE request (LiveHub.close) makes Javalin spin on the error
      // answer it cannot write.
      Map<String, Object> kafka = context.config().kafkaClientConfig();
      actions =
          new AlertActionLog(
              kafka,
              AvroSerdes.specific(
                      AlertAction.class, context.registry(), context.config().serdeConfig(), false)
                  .serializer(),
              WRITE_TIMEOUT);
      resources.push(actions);
      lags = new GroupLags(kafka, Duration.ofSeconds(3));
      resources.push(lags);
      // Every act ever recorded: an alert's state is the sum of them.
      resources.push(context.tail(Topics.ALERT_ACTIONS, Long.MAX_VALUE, this::onAct));
      resources.push(context.tail(Topics.SECURITY_ALERTS, ALERTS_KEPT, this::onAlert));
      // Requests, not the revocation feed: the feed is compacted and its writer re-writes a key
      // when it merges requests, so counting it would count merges and lose what compaction
      // removed. Every request is one act of revoking, by a person, a client or the detector.
      resources.push(
          context.tail(Topics.REVOCATION_REQUESTS, RATE_LOOKBACK, this::onRevocationRequest));
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  @Override
  public String title() {
    return "Overview";
  }

  @Override
  public String path() {
    return "/";
  }

  @Override
  public Set<Role> viewers() {
    return Set.of();
  }

  @Override
  public void routes(JavalinDefaultRoutingApi routes) {
    routes.get("/", this::page);
    routes.get("/overview/stats", this::stats);
    routes.before("/overview/live", ctx -> ctx.attribute(PERSON, context.people().require(ctx)));
    routes.sse("/overview/live", hub::join);
    routes.post("/overview/acknowledge", ctx -> act(ctx, Kind.ACKNOWLEDGE));
    routes.post("/overview/assign", ctx -> act(ctx, Kind.ASSIGN));
    routes.post("/overview/suppress", ctx -> act(ctx, Kind.SUPPRESS));
  }

  @Override
  public void close() {
    while (!resources.isEmpty()) {
      AutoCloseable resource = resources.pop();
      try {
        resource.close();
      } catch (Exception e) {
        LOG.warn("Closing {} failed: {}", resource.getClass().getSimpleName(), e.toString());
      }
    }
  }

  /** Whether {@code person} may acknowledge, assign and suppress. */
  static boolean canAct(Person person) {
    return person.has(Role.RESPONDER) || person.has(Role.ADMIN);
  }

  private void page(Context ctx) {
    Person person = context.people().require(ctx);
    page(ctx, person, 200, null);
  }

  private void page(Context ctx, Person person, int status, @Nullable String error) {
    Instant now = context.clock().instant();
    Map<String, Object> params = new HashMap<>();
    params.put("view", board.view(now));
    params.put("canAct", canAct(person));
    params.put("csrf", context.people().csrfToken(ctx));
    params.put("stats", stats(now));
    params.put("error", error);
    context.views().page(ctx, person, status, "overview.jte", "Overview", params);
  }

  private void stats(Context ctx) {
    context.people().require(ctx);
    context
        .views()
        .fragment(
            ctx, 200, "overview_stats.jte", Map.of("stats", stats(context.clock().instant())));
  }

  private Stats stats(Instant now) {
    return new Stats(
        revocations.window(now),
        List.of(
            lags.of(context.config().detectorGroup()), lags.of(context.config().auditSinkGroup())));
  }

  private void onAlert(ConsumerRecord<String, @Nullable SecurityAlert> record) {
    SecurityAlert event = record.value();
    if (event == null) {
      return;
    }
    Alert alert = AlertEvents.alert(event);
    boolean shown = board.alert(alert.alertId()) != null;
    if (!board.add(alert) || hub.size() == 0) {
      return;
    }
    AlertBoard.Entry entry = board.entry(alert, context.clock().instant());
    String name = entry.suppressedBy() == null ? "alert" : "suppressed";
    // One rendering for those who may act and one for the others: the buttons are not sent to
    // people who may not use them. Rows carry no CSRF field: htmx sends the page's token. An
    // update of an incident already shown replaces its row (out of band, by the row's id)
    // rather than adding a second one.
    hub.send(name, row(entry, true, shown), client -> canAct(client));
    hub.send(name, row(entry, false, shown), client -> !canAct(client));
  }

  private boolean canAct(SseClient client) {
    return client.ctx().attribute(PERSON) instanceof Person person && canAct(person);
  }

  private String row(AlertBoard.Entry entry, boolean canAct, boolean replace) {
    Map<String, Object> params = new HashMap<>();
    params.put("entry", entry);
    params.put("canAct", canAct);
    params.put("csrf", null);
    params.put("replace", replace);
    return context.views().fragment("alert_row.jte", params);
  }

  private void onAct(ConsumerRecord<String, @Nullable AlertAction> record) {
    AlertAction event = record.value();
    if (event != null) {
      AlertEvents.act(event).ifPresent(board::apply);
    }
  }

  private void onRevocationRequest(ConsumerRecord<String, @Nullable RevocationRequested> record) {
    if (record.value() != null) {
      revocations.add(Instant.ofEpochMilli(record.timestamp()), context.clock().instant());
    }
  }

  private enum Kind {
    ACKNOWLEDGE,
    ASSIGN,
    SUPPRESS
  }

  private void act(Context ctx, Kind kind) throws InterruptedException {
    Person person = context.people().require(ctx, ACTORS);
    context.people().verifyCsrf(ctx);
    String alertId = ctx.formParam("alert");
    Alert alert = alertId == null ? null : board.alert(alertId);
    if (alert == null) {
      refuse(ctx, person, 404, "That alert is not among the recent alerts; reload the page.");
      return;
    }
    String reason = text(ctx.formParam("reason"));
    if (reason != null && reason.length() > REASON_MAX) {
      refuse(ctx, person, 400, "The reason may have at most " + REASON_MAX + " characters.");
      return;
    }
    Instant now = context.clock().instant();
    String eventId = UUID.randomUUID().toString();
    AlertAct act;
    switch (kind) {
      case ACKNOWLEDGE ->
          act = new AlertAct.Acknowledge(eventId, alert.alertId(), person.id(), now, reason);
      case ASSIGN -> {
        String assignee = text(ctx.formParam("assignee"));
        if (assignee == null || !PERSON_ID.matcher(assignee).matches()) {
          refuse(
              ctx,
              person,
              400,
              "Name the person to assign by their id: 1 to 64 letters, digits or . _ @ + -.");
          return;
        }
        act = new AlertAct.Assign(eventId, alert.alertId(), person.id(), now, reason, assignee);
      }
      case SUPPRESS -> {
        Instant until;
        try {
          until = Suppression.checkUntil(now, now.plus(Duration.ofHours(hours(ctx))));
        } catch (IllegalArgumentException e) {
          refuse(ctx, person, 400, "Cannot suppress: " + e.getMessage() + ".");
          return;
        }
        act =
            new AlertAct.Suppress(
                eventId,
                alert.alertId(),
                person.id(),
                now,
                reason,
                new Suppression(
                    alert.rule(), alert.subject(), alert.clientId(), until, person.id()));
      }
      default -> throw new IllegalStateException(kind.name());
    }
    try {
      actions.append(act);
    } catch (AlertActionLog.AppendFailedException e) {
      LOG.warn("Recording an alert action failed: {}", e.getMessage());
      refuse(ctx, person, 503, "It was not recorded: " + e.getMessage() + ". Try again.");
      return;
    }
    // The page shows the topic's state; wait until this console has read the act back so the
    // reload shows it.
    if (!board.awaitApplied(eventId, READ_BACK)) {
      LOG.warn("Alert action {} written but not read back within {}", eventId, READ_BACK);
    }
    if (isHtmx(ctx)) {
      ctx.status(200).header("HX-Refresh", "true").result("");
    } else {
      ctx.redirect("/", io.javalin.http.HttpStatus.SEE_OTHER);
    }
  }

  private static long hours(Context ctx) {
    String hours = text(ctx.formParam("hours"));
    if (hours == null) {
      throw new IllegalArgumentException("say for how many hours");
    }
    try {
      return Long.parseLong(hours);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("hours must be a whole number, not " + quote(hours), e);
    }
  }

  private static String quote(String text) {
    return "\"" + (text.length() > 20 ? text.substring(0, 20) + "…" : text) + "\"";
  }

  /**
   * Refuses a form: through htmx, the message in the page's status region (htmx swaps only
   * successful answers); a browser's plain form post, the page with the message; any other caller,
   * problem+json.
   */
  private void refuse(Context ctx, Person person, int status, String message) {
    if (isHtmx(ctx)) {
      context.views().fragment(ctx, 200, "overview_error.jte", Map.of("message", message));
    } else if (acceptsHtml(ctx)) {
      page(ctx, person, status, message);
    } else {
      JsonErrors.respond(ctx, ErrorFormat.PROBLEM, status, message);
    }
  }

  private static boolean isHtmx(Context ctx) {
    return "true".equals(ctx.header("HX-Request"));
  }

  private static boolean acceptsHtml(Context ctx) {
    String accept = ctx.header("Accept");
    return accept != null && accept.contains("text/html");
  }

  private static @Nullable String text(@Nullable String value) {
    if (value == null) {
      return null;
    }
    String trimmed = value.strip();
    return trimmed.isEmpty() ? null : trimmed;
  }

  /** What the polled part of the page shows: revocations per minute and the lags. */
  public record Stats(List<PerMinute.Minute> minutes, List<GroupLag> lags) {
    public Stats {
      minutes = List.copyOf(minutes);
      lags = List.copyOf(lags);
    }

    /** The largest count of the window, at least 1: the bars' full scale. */
    public long max() {
      return Math.max(1, minutes.stream().mapToLong(PerMinute.Minute::count).max().orElse(0));
    }

    /** All revocation requests of the window. */
    public long total() {
      return minutes.stream().mapToLong(PerMinute.Minute::count).sum();
    }
  }
}
