/**
 * The token endpoint: one class per grant type, the one issuance path and the denial record; free
 * of HTTP and Kafka types.
 */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.issuer.token;
