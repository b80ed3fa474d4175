package io.tokenwatch.console.web;

import io.javalin.http.Context;
import io.javalin.router.JavalinDefaultRoutingApi;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The scripts and styles the pages load, served by the console from its own jar (htmx and its SSE
 * extension from their npm packages' webjars): nothing comes from another host, and the
 * Content-Security-Policy can say {@code 'self'}. Loaded once, at start.
 */
public final class Assets {

  private static final String HTMX = "/META-INF/resources/webjars/htmx.org/2.0.8/dist/htmx.min.js";
  private static final String SSE = "/META-INF/resources/webjars/htmx-ext-sse/2.2.2/sse.js";
  private static final String OWN = "/io/tokenwatch/console/assets/";

  /** A text asset (scripts and styles are UTF-8 text). */
  private record Asset(String text, String type) {}

  private final Map<String, Asset> assets;

  public Assets() {
    this.assets =
        Map.of(
            "/assets/htmx.min.js", load(HTMX, "text/javascript"),
            "/assets/sse.js", load(SSE, "text/javascript"),
            "/assets/console.js", load(OWN + "console.js", "text/javascript"),
            "/assets/console.css", load(OWN + "console.css", "text/css"));
  }

  public void routes(JavalinDefaultRoutingApi routes) {
    assets.keySet().forEach(path -> routes.get(path, this::serve));
  }

  private void serve(Context ctx) {
    Asset asset = assets.get(ctx.path());
    if (asset == null) {
      ctx.status(404);
      return;
    }
    ctx.header("Cache-Control", "public, max-age=3600")
        .contentType(asset.type() + ";charset=utf-8")
        .result(asset.text());
  }

  private static Asset load(String resource, String type) {
    try (InputStream in = Assets.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " is not on the classpath");
      }
      return new Asset(new String(in.readAllBytes(), StandardCharsets.UTF_8), type);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }
}
