/** Signing Security Event Tokens with the issuer's keys. */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.signals.set;
