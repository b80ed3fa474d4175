/** End-to-end issuance benchmark: tokens over HTTP with acks=all on the embedded broker. */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.bench.issuer;
