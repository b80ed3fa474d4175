/**
 * Access requests and their approvals: a person asks for scopes a client's policy does not grant
 * (or proposes taking some away, or the issuer asks approval for a widening policy change), other
 * people approve or refuse, auditors review, and an approved scope request becomes a time-bound
 * {@link io.tokenwatch.issuer.policy.PolicyException}. The separation-of-duties rules live in
 * {@link io.tokenwatch.issuer.access.AccessRules}; {@link
 * io.tokenwatch.issuer.access.AccessRequests} applies them and keeps every change in an {@link
 * io.tokenwatch.issuer.access.AccessRequestStore}. Free of HTTP, Kafka and Avro types.
 */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.issuer.access;
