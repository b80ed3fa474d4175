package io.tokenwatch.console.web;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * What the layout around every page needs: the title, who is logged in, the navigation they may see
 * and the session's CSRF token (put in every form, and sent by htmx as a header).
 */
public record Frame(String title, String personName, String roles, String csrf, List<NavItem> nav) {
  public Frame {
    requireNonNull(title, "title");
    requireNonNull(personName, "personName");
    requireNonNull(roles, "roles");
    requireNonNull(csrf, "csrf");
    nav = List.copyOf(nav);
  }
}
