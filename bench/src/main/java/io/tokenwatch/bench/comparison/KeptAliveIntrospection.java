package io.tokenwatch.bench.comparison;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenwatch.bench.propagation.HttpConnection;
import io.tokenwatch.validator.RevocationFallback;
import io.tokenwatch.validator.VerifiedToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * RFC 7662 introspection over one kept-alive HTTP/1.1 connection per calling thread, written and
 * read on that thread: the cheapest client a gateway could use, so the comparison does not charge
 * introspection with {@code java.net.http}'s thread handoffs. Any failure is {@code UNKNOWN}.
 */
final class KeptAliveIntrospection implements RevocationFallback, AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final int port;
  private final String authorization;
  private final List<HttpConnection> opened = new CopyOnWriteArrayList<>();
  private final ThreadLocal<HttpConnection> connection;

  KeptAliveIntrospection(int port, String secret) {
    this.port = port;
    this.authorization = "Bearer " + secret;
    this.connection = ThreadLocal.withInitial(this::open);
  }

  private HttpConnection open() {
    try {
      HttpConnection c = new HttpConnection("localhost", port);
      opened.add(c);
      return c;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public Answer check(VerifiedToken token) {
    try {
      HttpConnection.Answer answer =
          connection
              .get()
              .post(
                  "/introspect",
                  authorization,
                  "application/x-www-form-urlencoded",
                  "token=" + URLEncoder.encode(token.tokenId(), StandardCharsets.UTF_8));
      if (answer.status() != 200) {
        return Answer.UNKNOWN;
      }
      JsonNode active = JSON.readTree(answer.body()).get("active");
      if (active == null || !active.isBoolean()) {
        return Answer.UNKNOWN;
      }
      return active.booleanValue() ? Answer.ACTIVE : Answer.INACTIVE;
    } catch (IOException | UncheckedIOException e) {
      connection.remove();
      return Answer.UNKNOWN;
    }
  }

  @Override
  public void close() throws IOException {
    for (HttpConnection c : opened) {
      c.close();
    }
  }
}
