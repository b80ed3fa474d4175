/** Test doubles and a harness running the issuer's HTTP API without Kafka. */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.issuer.testkit;
