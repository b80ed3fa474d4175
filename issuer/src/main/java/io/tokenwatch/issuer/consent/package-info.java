/**
 * User consent (OAuth authorization code flow with PKCE, RFC 6749 section 4.1, RFC 7636): the
 * authorization request's rules, the consents people give and withdraw, and the single-use codes
 * that carry a consent to the token endpoint; free of HTTP and Kafka types.
 */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.issuer.consent;
