/** The forward-auth sidecar that reverse proxies call to validate a request's token. */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.validator.http;
