package io.tokenwatch.people;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import io.javalin.http.Context;
import java.util.Map;

/**
 * The login pages, rendered from the JTE templates under {@code src/main/jte}, precompiled at build
 * time into {@code io.tokenwatch.people.pages}. Output is HTML-escaped by default.
 */
final class Pages {

  private static final TemplateEngine ENGINE =
      TemplateEngine.createPrecompiled(
          null, ContentType.Html, Pages.class.getClassLoader(), "io.tokenwatch.people.pages");

  private Pages() {}

  static void render(Context ctx, int status, String template, Map<String, Object> params) {
    StringOutput output = new StringOutput();
    ENGINE.render(template, params, output);
    ctx.status(status)
        .header("Cache-Control", "no-store")
        .header("X-Frame-Options", "DENY")
        .header(
            "Content-Security-Policy",
            "default-src 'none'; form-action 'self'; frame-ancestors 'none'")
        // "no-referrer" would make browsers send "Origin: null" with the page's forms, which the
        // CSRF check must refuse; same-origin keeps the origin and still tells other sites nothing.
        .header("Referrer-Policy", "same-origin")
        .contentType("text/html;charset=utf-8")
        .result(output.toString());
  }

  static void message(Context ctx, int status, String title, String message) {
    message(ctx, status, title, message, "", "");
  }

  static void message(
      Context ctx, int status, String title, String message, String linkHref, String linkText) {
    render(
        ctx,
        status,
        "message.jte",
        Map.of("title", title, "message", message, "linkHref", linkHref, "linkText", linkText));
  }
}
