package io.tokenwatch.anomaly;

import org.jspecify.annotations.Nullable;

/**
 * Where the per-token rules keep each client's {@link ClientShape}. Read only for a token seen from
 * more than one network, so a client whose tokens stay in one network costs nothing per use.
 */
public interface ClientShapes {

  /** Remembers nothing: every client is judged by the configured threshold alone. */
  ClientShapes NONE =
      new ClientShapes() {
        @Override
        public @Nullable ClientShape get(String clientId, long at) {
          return null;
        }

        @Override
        public void put(String clientId, ClientShape shape) {}
      };

  /**
   * The client's shape at {@code at} (epoch ms), or null when none is known or it was forgotten.
   */
  @Nullable ClientShape get(String clientId, long at);

  void put(String clientId, ClientShape shape);
}
