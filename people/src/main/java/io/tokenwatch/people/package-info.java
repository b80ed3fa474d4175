/**
 * Who is acting. {@link io.tokenwatch.people.PeopleGate} tells a request's {@link
 * io.tokenwatch.people.Person} (a session cookie from the login page or an upstream OpenID Connect
 * login, or HTTP Basic credentials of a directory user), requires roles, and guards state-changing
 * requests against cross-site request forgery. Everything else in the package is its machinery.
 */
@NullMarked
package io.tokenwatch.people;

import org.jspecify.annotations.NullMarked;
