/** Tokenwatch event contracts. */
@NullMarked
package io.tokenwatch.schemas;

import org.jspecify.annotations.NullMarked;
