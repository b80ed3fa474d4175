/**
 * Issuance policy: the policy file, its clients, scopes and audience rules, and the verdict a token
 * request gets from it; free of the token endpoint, HTTP and Kafka.
 */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.issuer.policy;
