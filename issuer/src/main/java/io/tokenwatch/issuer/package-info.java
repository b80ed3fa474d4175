/**
 * What the issuer's token endpoint and revocations share: the event log and refresh-grant store
 * ports, client authentication, signing, metrics and secrets; free of HTTP and Kafka types.
 */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.issuer;
