package io.tokenwatch.testing.browser;

import java.time.Duration;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Waits that make page tests independent of the machine's speed: a click that submits a form
 * returns before the next page has loaded, so each step waits for the page it left to be gone and
 * the new one to be complete.
 */
public final class BrowserSteps {

  private static final Duration PATIENCE = Duration.ofSeconds(30);

  private BrowserSteps() {}

  /** Clicks {@code element} and waits until the page it was on has been replaced and loaded. */
  public static void clickAndWait(WebDriver browser, WebElement element) {
    WebElement html = browser.findElement(By.tagName("html"));
    element.click();
    awaitNewPage(browser, html);
  }

  /** Waits until {@code oldHtml}'s page has been replaced and the new one has loaded. */
  public static void awaitNewPage(WebDriver browser, WebElement oldHtml) {
    WebDriverWait wait = new WebDriverWait(browser, PATIENCE);
    wait.until(driver -> gone(oldHtml));
    wait.until(
        driver ->
            "complete"
                .equals(((JavascriptExecutor) driver).executeScript("return document.readyState")));
  }

  /**
   * Whether {@code element}'s page has been replaced. Chromium reports a node of a document it has
   * just dropped either as stale or, while the next document is being committed, as a node that
   * "does not belong to the document"; both mean the page is gone (ExpectedConditions.stalenessOf
   * knew only the first, and failed page tests with the second).
   */
  static boolean gone(WebElement element) {
    try {
      element.isEnabled();
      return false;
    } catch (StaleElementReferenceException e) {
      return true;
    } catch (WebDriverException e) {
      String message = e.getMessage();
      if (message != null && message.contains(NOT_IN_DOCUMENT)) {
        return true;
      }
      throw e;
    }
  }

  /** Chromium's words for a node of a document it no longer shows. */
  static final String NOT_IN_DOCUMENT = "does not belong to the document";

  /**
   * Types {@code text} into the field {@code by}, finding it again if the page replaced it while it
   * was being found (Chromium then reports the node as no longer in the document).
   */
  public static void type(WebDriver browser, By by, String text) {
    new WebDriverWait(browser, PATIENCE)
        .ignoring(org.openqa.selenium.WebDriverException.class)
        .until(
            driver -> {
              WebElement field = driver.findElement(by);
              field.clear();
              field.sendKeys(text);
              return true;
            });
  }

  /** {@code by} on the current page, once it is there. */
  public static WebElement find(WebDriver browser, By by) {
    return new WebDriverWait(browser, PATIENCE)
        .until(ExpectedConditions.presenceOfElementLocated(by));
  }
}
