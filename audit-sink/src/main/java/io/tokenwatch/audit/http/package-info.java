/** The read-only, authenticated HTTP API over the audit store. */
@NullMarked
package io.tokenwatch.audit.http;

import org.jspecify.annotations.NullMarked;
