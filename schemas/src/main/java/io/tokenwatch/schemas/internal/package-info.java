/** Implementation details of the schemas module; not a public API and may change at any time. */
@NullMarked
package io.tokenwatch.schemas.internal;

import org.jspecify.annotations.NullMarked;
