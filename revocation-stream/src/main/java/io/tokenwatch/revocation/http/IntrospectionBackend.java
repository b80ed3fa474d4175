package io.tokenwatch.revocation.http;

import io.tokenwatch.revocation.LiveRevocation;
import io.tokenwatch.revocation.LiveToken;
import io.tokenwatch.revocation.Selector;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Where introspection reads from: the stream's state stores, local or on the instance that owns a
 * token. Implementations throw {@link IllegalStateException} when the state cannot be read right
 * now (a rebalance, a restore), which the server answers with 503.
 */
public interface IntrospectionBackend {

  /** The {@code host:port} of the instance owning {@code tokenId}'s state, or empty when local. */
  Optional<String> remoteOwner(String tokenId);

  /** The registry's entry for the token, or null. */
  @Nullable LiveToken token(String tokenId);

  /** Allowed uses counted for the token. */
  long useCount(String tokenId);

  /** The live feed records under {@code selectors}' keys. */
  List<LiveRevocation> revocations(List<Selector> selectors);

  /** Whether the stream is running and its state can be queried. */
  boolean ready();
}
