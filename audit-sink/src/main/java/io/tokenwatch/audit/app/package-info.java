/** The audit sink as a running component, with metrics and health. */
@NullMarked
package io.tokenwatch.audit.app;

import org.jspecify.annotations.NullMarked;
