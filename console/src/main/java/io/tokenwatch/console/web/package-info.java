/**
 * The pages: each {@link io.tokenwatch.console.web.Section} adds its routes, renders through {@link
 * io.tokenwatch.console.web.Views} (layout, navigation by role, security headers) and pushes live
 * fragments through a {@link io.tokenwatch.console.web.LiveHub}. Everything shown is escaped: event
 * data is shaped by whoever sends tokens.
 */
@NullMarked
package io.tokenwatch.console.web;

import org.jspecify.annotations.NullMarked;
