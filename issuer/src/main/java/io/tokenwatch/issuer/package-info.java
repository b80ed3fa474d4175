/**
 * The issuer's domain: policy, client authentication, scope rules, token claims and refresh
 * rotation; free of HTTP and Kafka types.
 */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.issuer;
