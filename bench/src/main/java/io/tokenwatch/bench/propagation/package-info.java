/**
 * End-to-end revocation propagation: from an admin's revoke call being accepted to several
 * independent validators denying the token, under background token-use load.
 */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.bench.propagation;
