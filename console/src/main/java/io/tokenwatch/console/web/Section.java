package io.tokenwatch.console.web;

import io.javalin.router.JavalinDefaultRoutingApi;
import io.tokenwatch.people.Role;
import java.util.Set;

/**
 * One page of the console (with its fragments, live feeds and forms), listed in the navigation for
 * the people who may see it. Each handler still checks the person itself ({@code
 * people.require(ctx, ...)}): the navigation only hides, the server refuses.
 */
public interface Section extends AutoCloseable {

  /** The name in the navigation. */
  String title();

  /** The page's path, e.g. {@code /fleet}; its routes live under it. */
  String path();

  /**
   * Other paths whose pages belong to this section (the navigation marks the section current on
   * them too, and on the paths under them); none by default.
   */
  default Set<String> otherPaths() {
    return Set.of();
  }

  /** The roles that see the page; empty: every logged-in person. */
  Set<Role> viewers();

  /** Adds the page's routes. Called once, before the server starts. */
  void routes(JavalinDefaultRoutingApi routes);

  /** Stops what the section runs (consumers, timers). */
  @Override
  default void close() {}
}
