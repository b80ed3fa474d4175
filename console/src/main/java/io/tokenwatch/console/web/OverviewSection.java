package io.tokenwatch.console.web;

import static java.util.Objects.requireNonNull;

import io.javalin.http.Context;
import io.javalin.router.JavalinDefaultRoutingApi;
import io.tokenwatch.people.Person;
import io.tokenwatch.people.Role;
import java.util.Map;
import java.util.Set;

/** The overview, the console's home page: what is happening now. */
public final class OverviewSection implements Section {

  private final ConsoleContext context;

  public OverviewSection(ConsoleContext context) {
    this.context = requireNonNull(context, "context");
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
  }

  private void page(Context ctx) {
    Person person = context.people().require(ctx);
    context.views().page(ctx, person, 200, "overview.jte", "Overview", Map.of());
  }
}
