package io.tokenwatch.testing.browser;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;

/**
 * Accessibility checks with axe-core, injected into the page from its npm package ({@code npm ci
 * --prefix console/axe}, which {@code .ci/run} does). Missing package: the test is skipped, except
 * when {@code CI=true}, where it fails (like {@link Browser}).
 */
public final class Axe {

  /** Where the package lives, relative to the repository root. */
  public static final String PACKAGE = "console/axe";

  private Axe() {}

  /**
   * One violation axe reported.
   *
   * @param id the rule
   * @param impact minor, moderate, serious or critical
   * @param help what the rule asks
   * @param targets CSS selectors of the offending nodes
   */
  public record Violation(String id, String impact, String help, List<String> targets) {}

  /** The serious and critical violations axe finds on the page {@code browser} shows. */
  public static List<Violation> seriousViolations(WebDriver browser) {
    requireNonNull(browser, "browser");
    JavascriptExecutor js = (JavascriptExecutor) browser;
    js.executeScript(script());
    Object result =
        ((JavascriptExecutor) browser)
            .executeAsyncScript(
                "const done = arguments[arguments.length - 1];"
                    + "axe.run(document, {resultTypes: ['violations']})"
                    + ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact,"
                    + " help: v.help, targets: v.nodes.map(n => String(n.target))}))))"
                    + ".catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e),"
                    + " targets: []}]));");
    List<Violation> serious = new ArrayList<>();
    if (result instanceof List<?> violations) {
      for (Object item : violations) {
        if (item instanceof Map<?, ?> v) {
          String impact = String.valueOf(v.get("impact"));
          if (impact.equals("serious") || impact.equals("critical")) {
            List<String> targets = new ArrayList<>();
            if (v.get("targets") instanceof List<?> t) {
              t.forEach(target -> targets.add(String.valueOf(target)));
            }
            serious.add(
                new Violation(
                    String.valueOf(v.get("id")), impact, String.valueOf(v.get("help")), targets));
          }
        }
      }
    }
    return serious;
  }

  private static String script() {
    Path file = locate();
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  private static Path locate() {
    Path dir = Path.of("").toAbsolutePath();
    for (Path at = dir; at != null; at = at.getParent()) {
      Path script = at.resolve(PACKAGE).resolve("node_modules/axe-core/axe.min.js");
      if (Files.isRegularFile(script)) {
        return script;
      }
    }
    String missing =
        "axe-core is not installed (run: npm ci --prefix " + PACKAGE + " from the repository root)";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new IllegalStateException(missing + " (CI=true: .ci/run installs it)");
    }
    Assumptions.abort(missing);
    throw new IllegalStateException(missing);
  }
}
