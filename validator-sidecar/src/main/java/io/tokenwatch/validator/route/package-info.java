/**
 * Which scopes a request needs, decided on the request target the way upstream servers read it:
 * {@link io.tokenwatch.validator.route.RouteTable}. Free of HTTP server types, like the domain.
 */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.validator.route;
