/** The {@code tokenwatch} command line. */
@NullMarked
package io.tokenwatch.cli;

import org.jspecify.annotations.NullMarked;
