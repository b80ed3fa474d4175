package io.tokenwatch.validator;

import com.nimbusds.jose.jwk.JWKSet;
import java.io.IOException;
import java.net.URI;
import org.jspecify.annotations.Nullable;

/** Fetches the issuer's current JSON Web Key Set, e.g. over HTTP. */
public interface JwksFetcher {

  /**
   * The current key set.
   *
   * @throws IOException when it cannot be fetched or parsed
   */
  JWKSet fetch() throws IOException;

  /**
   * Where the keys come from, when that is a URL: tokens whose {@code jku} header names exactly
   * this URL are accepted; any other {@code jku} is refused.
   */
  default @Nullable URI location() {
    return null;
  }
}
