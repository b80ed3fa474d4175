package io.tokenwatch.testing.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;

class BrowserStepsTest {

  /** An element whose every call throws {@code failure}, or answers true when it is null. */
  static WebElement element(RuntimeException failure) {
    return (WebElement)
        Proxy.newProxyInstance(
            WebElement.class.getClassLoader(),
            new Class<?>[] {WebElement.class},
            (proxy, method, args) -> {
              if (failure != null) {
                throw failure;
              }
              return method.getReturnType() == boolean.class ? Boolean.TRUE : null;
            });
  }

  @Test
  void shouldTakeANodeChromiumSaysIsNoLongerInTheDocumentForAReplacedPage() {
    WebElement dropped =
        element(
            new WebDriverException(
                "unknown error: unhandled inspector error: {\"code\":-32000,\"message\":\"Node"
                    + " with given id does not belong to the document\"}"));

    assertThat(BrowserSteps.gone(dropped)).isTrue();
  }

  @Test
  void shouldTakeAStaleNodeForAReplacedPageAndALiveOneForThePageStillShown() {
    assertThat(BrowserSteps.gone(element(new StaleElementReferenceException("stale")))).isTrue();
    assertThat(BrowserSteps.gone(element(null))).isFalse();
  }

  @Test
  void shouldLetOtherBrowserFailuresThrough() {
    WebElement broken = element(new WebDriverException("chrome not reachable"));

    assertThatThrownBy(() -> BrowserSteps.gone(broken))
        .isInstanceOf(WebDriverException.class)
        .hasMessageContaining("chrome not reachable");
  }
}
