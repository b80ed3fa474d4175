package io.tokenwatch.issuer.token;

import io.tokenwatch.issuer.policy.Binding;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The proofs of possession a token request carried: a verified DPoP proof's key thumbprint, the
 * client certificate's thumbprint, and so the bindings a token could carry.
 */
record Proofs(Set<Binding> offered, @Nullable String jkt, @Nullable String x5t) {

  /** The thumbprint a token bound by {@code binding} carries, null for a bearer token. */
  @Nullable String thumbprint(Binding binding) {
    return switch (binding) {
      case DPOP -> jkt;
      case MTLS -> x5t;
      case NONE -> null;
    };
  }
}
