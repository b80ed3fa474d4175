/**
 * Schema evolution rules: checking a schema against earlier versions, the schemas released so far
 * and the tool that cuts the next release.
 */
@NullMarked
package io.tokenwatch.schemas.compat;

import org.jspecify.annotations.NullMarked;
