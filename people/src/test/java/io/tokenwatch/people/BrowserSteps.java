package io.tokenwatch.people;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/**
 * Waits that make page tests independent of the machine's speed: a click that submits a form
 * returns before the next page has loaded, so each step waits (Awaitility) for the page it left to
 * be gone and the new one to be complete.
 */
final class BrowserSteps {

  private static final Duration PATIENCE = Duration.ofSeconds(30);

  private BrowserSteps() {}

  /** Clicks {@code element} and waits until the page it was on has been replaced and loaded. */
  static void clickAndWait(WebDriver browser, WebElement element) {
    WebElement html = browser.findElement(By.tagName("html"));
    element.click();
    awaitNewPage(browser, html);
  }

  /** Waits until {@code oldHtml}'s page has been replaced and the new one has loaded. */
  static void awaitNewPage(WebDriver browser, WebElement oldHtml) {
    Awaitility.await().atMost(PATIENCE).until(() -> isStale(oldHtml));
    Awaitility.await()
        .atMost(PATIENCE)
        .ignoreExceptions()
        .untilAsserted(
            () ->
                assertThat(
                        ((JavascriptExecutor) browser).executeScript("return document.readyState"))
                    .isEqualTo("complete"));
  }

  /** {@code by} on the current page, once it is there. */
  static WebElement find(WebDriver browser, By by) {
    return Awaitility.await()
        .atMost(PATIENCE)
        .ignoreExceptions()
        .until(() -> browser.findElement(by), element -> element != null);
  }

  private static boolean isStale(WebElement element) {
    try {
      element.isEnabled();
      return false;
    } catch (StaleElementReferenceException e) {
      return true;
    }
  }
}
