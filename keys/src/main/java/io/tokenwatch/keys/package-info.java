/** Signing keys: generation, persistence in the data directory, rotation and the published JWKS. */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.keys;
