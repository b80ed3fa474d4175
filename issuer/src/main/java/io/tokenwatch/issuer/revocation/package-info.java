/**
 * Revocation as the issuer records and checks it: client (RFC 7009) and admin revocation, and the
 * issuer's questions to the revocation feed; free of HTTP and Kafka types.
 */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.issuer.revocation;
