/**
 * The rules every revocation selector must pass, shared by the issuer's admin API and the
 * revocation stream so that what one accepts is exactly what the other applies.
 */
@NullMarked
package io.tokenwatch.schemas.revocation;

import org.jspecify.annotations.NullMarked;
