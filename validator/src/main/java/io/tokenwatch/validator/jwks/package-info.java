/** Fetching the issuer's JSON Web Key Set over HTTP. */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.validator.jwks;
