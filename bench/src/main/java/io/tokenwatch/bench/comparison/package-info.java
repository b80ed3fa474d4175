/**
 * Tokenwatch's revocation feed side by side with the mechanisms users would pick instead: RFC 7662
 * introspection on every request, and accepting a JWT until it expires.
 */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.bench.comparison;
