package io.tokenwatch.signals.http;

import io.javalin.http.Context;
import java.util.Optional;

/**
 * Authenticates the receiver behind one poll: its access token with scope {@code ssf:poll} (the
 * service answers with {@link ReceiverAuthentication}). Implementations are thread-safe.
 */
@FunctionalInterface
public interface PollAuthentication {

  /**
   * Checks the call. When refused, the response has been written to {@code ctx} and the caller does
   * nothing more. Never throws for anything the request contains.
   *
   * @return the receiver's client id, or empty when refused
   */
  Optional<String> authenticate(Context ctx);
}
