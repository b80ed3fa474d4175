package io.tokenwatch.testing.browser;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * A headless Chromium for page tests, driven through Selenium WebDriver.
 *
 * <p>As a JUnit 5 extension, {@code @ExtendWith(Browser.class)} resolves a {@link WebDriver}
 * parameter of a test method (a fresh browser with a fresh profile per test, so no cookie crosses
 * tests) and quits it after the test, deleting its profile. {@link #start()} does the same by hand;
 * the caller quits the driver and the profile is deleted when the JVM exits.
 *
 * <p>It drives Debian's {@code chromium} and {@code chromedriver} packages ({@value #CHROMIUM},
 * {@value #CHROMEDRIVER}; {@code .ci/run} installs them). Selenium Manager is never asked to
 * download a browser or driver. Where they are missing the test is skipped (a failed assumption),
 * except when the environment variable {@code CI} is {@code true}: there a missing browser fails
 * the test, so a page test can never pass on CI by not running.
 */
public final class Browser implements ParameterResolver, AfterEachCallback {

  /** The Chromium binary driven. */
  public static final String CHROMIUM = "/usr/bin/chromium";

  /** The matching ChromeDriver. */
  public static final String CHROMEDRIVER = "/usr/bin/chromedriver";

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(Browser.class);

  /**
   * A new headless Chromium with a fresh, temporary profile. The caller quits it; the profile is
   * deleted when the JVM exits.
   *
   * @throws org.opentest4j.TestAbortedException when no browser is installed and {@code CI} is not
   *     {@code true}
   * @throws IllegalStateException when no browser is installed and {@code CI} is {@code true}
   */
  public static WebDriver start() {
    Started started = launch();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(started.profile())));
    return started.driver();
  }

  private static Started launch() {
    boolean installed = new File(CHROMIUM).canExecute() && new File(CHROMEDRIVER).canExecute();
    if (!installed) {
      String missing = "no headless browser: " + CHROMIUM + " and " + CHROMEDRIVER + " needed";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new IllegalStateException(missing + " (CI=true: .ci/run installs them)");
      }
      Assumptions.abort(missing + "; install Debian's chromium and chromium-driver");
    }
    Path profile;
    try {
      profile = Files.createTempDirectory("tokenwatch-browser-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a browser profile directory", e);
    }
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments(
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--user-data-dir=" + profile);
    // The driver is named by the system property ChromeDriverService reads, not by building the
    // service here: its class carries an annotation javac cannot resolve without Google's
    // auto-service on the class path, a warning that -Werror turns into an error.
    System.setProperty("webdriver.chrome.driver", CHROMEDRIVER);
    ChromeDriver driver;
    try {
      driver = new ChromeDriver(options);
    } catch (RuntimeException e) {
      deleteQuietly(profile);
      throw e;
    }
    driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
    return new Started(driver, profile);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext extension) {
    return parameter.getParameter().getType() == WebDriver.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext extension)
      throws ParameterResolutionException {
    Started started = launch();
    extension.getStore(NAMESPACE).put(parameter.getIndex(), started);
    return started.driver();
  }

  @Override
  public void afterEach(ExtensionContext extension) {
    ExtensionContext.Store store = extension.getStore(NAMESPACE);
    for (int index = 0; index < 16; index++) {
      Started started = store.remove(index, Started.class);
      if (started != null) {
        try {
          started.driver().quit();
        } finally {
          deleteQuietly(started.profile());
        }
      }
    }
  }

  /** A running browser and the profile directory it owns. */
  private record Started(WebDriver driver, Path profile) {}

  private static void deleteQuietly(Path directory) {
    try (Stream<Path> files = Files.walk(directory)) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // A leftover temporary profile is harmless; the test's result is what matters.
    }
  }
}
