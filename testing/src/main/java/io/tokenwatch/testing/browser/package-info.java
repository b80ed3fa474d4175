/**
 * A real browser for page tests: {@link io.tokenwatch.testing.browser.Browser} hands a test a
 * Selenium {@code WebDriver} driving Debian's headless Chromium.
 */
@NullMarked
package io.tokenwatch.testing.browser;

import org.jspecify.annotations.NullMarked;
