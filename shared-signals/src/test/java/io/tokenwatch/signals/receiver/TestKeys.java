package io.tokenwatch.signals.receiver;

import com.nimbusds.jose.jwk.JWKSet;
import io.tokenwatch.validator.JwksFetcher;
import java.io.IOException;
import java.text.ParseException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/** A key-set fetcher reading the upstream's JWKS JSON in memory, counting fetches. */
public final class TestKeys implements JwksFetcher {

  private final Supplier<String> jwks;
  final AtomicInteger fetches = new AtomicInteger();

  public TestKeys(Supplier<String> jwks) {
    this.jwks = jwks;
  }

  @Override
  public JWKSet fetch() throws IOException {
    fetches.incrementAndGet();
    try {
      return JWKSet.parse(jwks.get());
    } catch (ParseException e) {
      throw new IOException(e);
    }
  }
}
