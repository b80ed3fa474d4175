package io.tokenwatch.console.web;

import static java.util.Objects.requireNonNull;

import io.javalin.http.Context;
import io.javalin.router.JavalinDefaultRoutingApi;
import io.tokenwatch.console.source.FleetWatch;
import io.tokenwatch.people.Person;
import io.tokenwatch.people.Role;
import java.util.Map;
import java.util.Set;

/**
 * The validator fleet: one row per validator from its latest status report, red with the reason in
 * words when its report is overdue or its feed is not ready or stale. The table refreshes itself
 * every few seconds (htmx polling {@code /fleet/rows}).
 */
public final class FleetSection implements Section {

  private final ConsoleContext context;
  private final FleetWatch watch;

  public FleetSection(ConsoleContext context) {
    this.context = requireNonNull(context, "context");
    this.watch = FleetWatch.start(context::tail, context.config().fleetMaxStaleness());
  }

  /** What this section follows; the revoke page reads it too. */
  public FleetWatch watch() {
    return watch;
  }

  @Override
  public String title() {
    return "Fleet";
  }

  @Override
  public String path() {
    return "/fleet";
  }

  @Override
  public Set<Role> viewers() {
    return Set.of();
  }

  @Override
  public void routes(JavalinDefaultRoutingApi routes) {
    routes.get("/fleet", this::page);
    routes.get("/fleet/rows", this::rows);
  }

  private void page(Context ctx) {
    Person person = context.people().require(ctx);
    context.views().page(ctx, person, 200, "fleet.jte", "Validator fleet", model());
  }

  private void rows(Context ctx) {
    context.people().require(ctx);
    context.views().fragment(ctx, 200, "fleet-rows.jte", model());
  }

  private Map<String, Object> model() {
    return Map.of(
        "rows",
        watch.fleet().rows(context.clock().instant()),
        "maxStaleness",
        watch.fleet().maxStaleness());
  }

  @Override
  public void close() {
    watch.close();
  }
}
