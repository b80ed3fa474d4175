package io.tokenwatch.console.web;

import static java.util.Objects.requireNonNull;

/**
 * One link of the navigation.
 *
 * @param current whether it is the page shown
 */
public record NavItem(String title, String href, boolean current) {
  public NavItem {
    requireNonNull(title, "title");
    requireNonNull(href, "href");
  }
}
