package io.tokenwatch.console.web;

import static java.util.Objects.requireNonNull;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import io.javalin.http.Context;
import io.tokenwatch.people.PeopleGate;
import io.tokenwatch.people.Person;
import io.tokenwatch.people.Role;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Renders the console's JTE templates (under {@code src/main/jte}, precompiled into {@code
 * io.tokenwatch.console.pages}; output HTML-escaped unless a template says otherwise, which none
 * does) and sets the headers every page carries. A page template takes a {@link Frame} named {@code
 * frame} and wraps its content in {@code layout.jte}. Thread-safe.
 */
public final class Views {

  /**
   * The Content-Security-Policy of every answer: scripts, styles and connections from the console
   * only, no inline script or style, no plugins, no framing, forms post to the console only.
   */
  public static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src"
          + " 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

  private static final TemplateEngine ENGINE =
      TemplateEngine.createPrecompiled(
          null, ContentType.Html, Views.class.getClassLoader(), "io.tokenwatch.console.pages");

  private final PeopleGate people;
  private final Supplier<List<Section>> sections;

  /**
   * @param sections the console's pages, for the navigation
   */
  public Views(PeopleGate people, Supplier<List<Section>> sections) {
    this.people = requireNonNull(people, "people");
    this.sections = requireNonNull(sections, "sections");
  }

  /**
   * Renders page {@code template} for {@code person}, with {@code params} plus {@code frame}.
   *
   * @param title the page's title (also the browser tab's)
   */
  public void page(
      Context ctx,
      Person person,
      int status,
      String template,
      String title,
      Map<String, ?> params) {
    Map<String, Object> all = new HashMap<>(params);
    all.put("frame", frame(ctx, person, title));
    html(ctx, status, render(template, all));
  }

  /** An HTML fragment (an htmx swap, a server-sent event's data) rendered from {@code template}. */
  public String fragment(String template, Map<String, ?> params) {
    return render(template, new HashMap<>(params));
  }

  /** Answers {@code ctx} with a fragment: for htmx requests that swap part of a page. */
  public void fragment(Context ctx, int status, String template, Map<String, ?> params) {
    html(ctx, status, fragment(template, params));
  }

  /** A page with a title and one message, e.g. a refusal the person should read. */
  public void message(Context ctx, Person person, int status, String title, String message) {
    page(ctx, person, status, "message.jte", title, Map.of("message", message));
  }

  /** The headers every answer of the console carries (set on every path, assets included). */
  public static void securityHeaders(Context ctx) {
    ctx.header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .header("X-Frame-Options", "DENY")
        .header("X-Content-Type-Options", "nosniff")
        // "no-referrer" would make browsers send "Origin: null" with forms, which the CSRF check
        // must refuse; same-origin keeps the origin and tells other sites nothing.
        .header("Referrer-Policy", "same-origin");
  }

  private Frame frame(Context ctx, Person person, String title) {
    List<NavItem> nav = new ArrayList<>();
    for (Section section : sections.get()) {
      if (visibleTo(section, person)) {
        nav.add(new NavItem(section.title(), section.path(), isCurrent(ctx.path(), section)));
      }
    }
    String roles =
        person.roles().stream().sorted().map(Role::externalName).collect(Collectors.joining(", "));
    return new Frame(title, person.name(), roles, people.csrfToken(ctx), nav);
  }

  /** Whether {@code person} may see {@code section}. */
  public static boolean visibleTo(Section section, Person person) {
    return section.viewers().isEmpty() || section.viewers().stream().anyMatch(person::has);
  }

  private static boolean isCurrent(String path, Section section) {
    return under(path, section.path())
        || section.otherPaths().stream().anyMatch(other -> under(path, other));
  }

  private static boolean under(String path, String own) {
    return own.equals("/") ? path.equals("/") : path.equals(own) || path.startsWith(own + "/");
  }

  private static String render(String template, Map<String, Object> params) {
    StringOutput output = new StringOutput();
    ENGINE.render(template, params, output);
    return output.toString();
  }

  private static void html(Context ctx, int status, String body) {
    ctx.status(status)
        .header("Cache-Control", "no-store")
        .contentType("text/html;charset=utf-8")
        .result(body);
  }
}
