package io.tokenwatch.schemas.http;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.jspecify.annotations.Nullable;

/**
 * Malformed and hostile HTTP requests, as raw bytes, and what every Tokenwatch server must answer
 * them with: a 4xx whose body is the JSON its API documents, never an HTML page, never a stack
 * trace. Test support shared by every server's test.
 */
public final class HostileRequests {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Beyond any header limit a Tokenwatch server configures. */
  public static final int OVERSIZED = 64 * 1024;

  /**
   * One hostile request.
   *
   * @param name what is wrong with it
   * @param request the request as sent, one char per byte (ISO-8859-1)
   * @param status the status it must be refused with, 0 when any 4xx will do, -1 when any answer
   *     but a 5xx or a body that is not JSON will do
   */
  public record Case(String name, String request, int status) {
    /** The bytes sent. */
    public byte[] bytes() {
      return request.getBytes(ISO_8859_1);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  private HostileRequests() {}

  /**
   * What the corpus needs to know of a server.
   *
   * @param servedGet a path the server answers with {@code GET} (its {@code /health}, say) and
   *     serves with no other method
   * @param bodyPost a path whose {@code POST} handler reads the request body, or null when the
   *     server has none
   * @param bodyType the media type that handler reads
   * @param bodyHeaders header lines (each ending in CRLF) that get a request past that handler's
   *     checks to its body, such as its credentials
   * @param maxBody the server's request body limit in bytes
   */
  public record Target(
      String servedGet,
      @Nullable String bodyPost,
      String bodyType,
      String bodyHeaders,
      long maxBody) {

    /** A server no route of which reads a request body. */
    public static Target withoutBodies(String servedGet) {
      return new Target(servedGet, null, "application/json", "", 0);
    }

    /** A server whose {@code POST bodyPost} reads a body of {@code bodyType}. */
    public static Target withBodies(
        String servedGet, String bodyPost, String bodyType, long maxBody) {
      return new Target(servedGet, bodyPost, bodyType, "", maxBody);
    }

    /** This target, with header lines that get a body request past its handler's checks. */
    public Target withBodyHeaders(String headers) {
      return new Target(servedGet, bodyPost, bodyType, headers, maxBody);
    }
  }

  /** The corpus for one server. */
  public static List<Case> corpus(Target target) {
    String servedGet = target.servedGet();
    String bodyPost = target.bodyPost();
    String bodyType = target.bodyType();
    long maxBody = target.maxBody();
    List<Case> cases = new ArrayList<>();
    String host = "Host: localhost\r\n";
    String close = "Connection: close\r\n";
    cases.add(
        new Case(
            "header block beyond every limit",
            text(
                "GET "
                    + servedGet
                    + " HTTP/1.1\r\n"
                    + host
                    + "X-Padding: "
                    + "a".repeat(OVERSIZED)
                    + "\r\n\r\n"),
            431));
    cases.add(
        new Case(
            "request target beyond every limit",
            text("GET /" + "a".repeat(OVERSIZED) + " HTTP/1.1\r\n" + host + close + "\r\n"),
            414));
    cases.add(new Case("garbage request line", text("GARBAGE\r\n\r\n"), 400));
    cases.add(
        new Case(
            "request line with a space too many",
            text("GET / / HTTP/1.1\r\n" + host + "\r\n"),
            400));
    cases.add(
        new Case(
            "method with a control character",
            text("G\u0001T / HTTP/1.1\r\n" + host + "\r\n"),
            400));
    cases.add(
        new Case(
            "header name with a space",
            text(
                "GET " + servedGet + " HTTP/1.1\r\n" + host + "Bad Header: x\r\n" + close + "\r\n"),
            400));
    cases.add(
        new Case(
            "header line without a colon",
            text("GET " + servedGet + " HTTP/1.1\r\n" + host + "NoColonHere\r\n" + close + "\r\n"),
            400));
    cases.add(
        new Case(
            "NUL in a header value",
            text(
                "GET " + servedGet + " HTTP/1.1\r\n" + host + "X-A: a\u0000b\r\n" + close + "\r\n"),
            400));
    cases.add(
        new Case(
            "folded header line",
            text("GET " + servedGet + " HTTP/1.1\r\n" + host + "X-A: a\r\n b\r\n" + close + "\r\n"),
            400));
    cases.add(
        new Case(
            "Host that is not a host",
            text("GET " + servedGet + " HTTP/1.1\r\nHost: a b@c\r\n" + close + "\r\n"),
            400));
    cases.add(
        new Case(
            "two Host headers",
            text("GET " + servedGet + " HTTP/1.1\r\n" + host + "Host: other\r\n" + close + "\r\n"),
            400));
    cases.add(
        new Case(
            "HTTP/1.1 without Host",
            text("GET " + servedGet + " HTTP/1.1\r\n" + close + "\r\n"),
            400));
    cases.add(
        new Case(
            "unknown route", text("GET /no/such/route HTTP/1.1\r\n" + host + close + "\r\n"), 404));
    cases.add(
        new Case(
            "method the route does not serve",
            text("DELETE " + servedGet + " HTTP/1.1\r\n" + host + close + "\r\n"),
            405));
    for (String requestTarget :
        List.of(
            "/%zz",
            "/%",
            "/%g0/x",
            "/a%2",
            "/%c0%af",
            "/%ff%fe",
            "/a%00b",
            "/a%2Fb",
            "/a/%2e%2e/%2e%2e/b",
            "/a%5Cb",
            "/a;%2F..;/b",
            "/%252e%252e/b")) {
      cases.add(
          new Case(
              "bad or ambiguous percent-encoding " + requestTarget,
              text("GET " + requestTarget + " HTTP/1.1\r\n" + host + close + "\r\n"),
              0));
    }
    cases.add(
        new Case(
            "two different Content-Length headers",
            text(
                "POST "
                    + servedGet
                    + " HTTP/1.1\r\n"
                    + host
                    + "Content-Length: 1\r\nContent-Length: 2\r\n"
                    + close
                    + "\r\nab"),
            400));
    cases.add(
        new Case(
            "Content-Length that is not a number",
            text(
                "POST "
                    + servedGet
                    + " HTTP/1.1\r\n"
                    + host
                    + "Content-Length: x\r\n"
                    + close
                    + "\r\n"),
            400));
    cases.add(
        new Case(
            "Content-Length with Transfer-Encoding",
            text(
                "POST "
                    + servedGet
                    + " HTTP/1.1\r\n"
                    + host
                    + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n"
                    + close
                    + "\r\n0\r\n\r\n"),
            400));
    cases.add(
        new Case(
            "large body to an unknown route",
            "POST /no/such/route HTTP/1.1\r\n"
                + host
                + "Content-Type: "
                + bodyType
                + "\r\nContent-Length: "
                + (2 * 1024 * 1024)
                + "\r\n"
                + close
                + "\r\n"
                + "a".repeat(2 * 1024 * 1024),
            404));
    if (bodyPost != null) {
      int size = (int) Math.min(maxBody * 2 + 1, 4L * 1024 * 1024);
      cases.add(
          new Case(
              "body beyond the limit",
              text(
                  "POST "
                      + bodyPost
                      + " HTTP/1.1\r\n"
                      + host
                      + "Content-Type: "
                      + bodyType
                      + "\r\n"
                      + target.bodyHeaders()
                      + "Content-Length: "
                      + size
                      + "\r\n"
                      + close
                      + "\r\n"
                      + "a".repeat(size)),
              413));
      cases.add(
          new Case(
              "chunk size that is not hex",
              text(
                  "POST "
                      + bodyPost
                      + " HTTP/1.1\r\n"
                      + host
                      + "Content-Type: "
                      + bodyType
                      + "\r\n"
                      + target.bodyHeaders()
                      + "Transfer-Encoding: chunked\r\n"
                      + close
                      + "\r\nzz\r\nabc\r\n0\r\n\r\n"),
              400));
    }
    cases.addAll(fuzzed(servedGet, 24));
    return cases;
  }

  /**
   * Requests with random bytes in the method, target, a header name or a header value, from a fixed
   * seed so a failure is reproducible. Whatever a server makes of them, a 4xx with JSON.
   */
  static List<Case> fuzzed(String servedGet, int count) {
    Random random = new Random(13);
    List<Case> cases = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String junk = junk(random);
      String request =
          switch (i % 4) {
            case 0 -> junk + " " + servedGet + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
            case 1 -> "GET /" + junk + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
            case 2 ->
                "GET " + servedGet + " HTTP/1.1\r\nHost: localhost\r\n" + junk + ": x\r\n\r\n";
            default ->
                "GET " + servedGet + " HTTP/1.1\r\nHost: localhost\r\nX-A: " + junk + "\r\n\r\n";
          };
      cases.add(new Case("fuzzed #" + i + " (" + (i % 4) + ")", text(request), -1));
    }
    return cases;
  }

  /** Random bytes that make the part they go into malformed: at least one is not a token char. */
  private static String junk(Random random) {
    StringBuilder out = new StringBuilder();
    int length = 1 + random.nextInt(12);
    for (int i = 0; i < length; i++) {
      int c = random.nextInt(256);
      out.append(c == '\r' || c == '\n' ? '\u0001' : (char) c);
    }
    return out.append((char) (random.nextBoolean() ? 0x7f : 0x00)).toString();
  }

  private static String text(String request) {
    return request;
  }

  /**
   * Sends {@code hostile} to {@code localhost:port} and checks the answer: the case's status (any
   * 4xx when it names none; for a fuzzed case, anything but a 5xx that is not JSON), the format's
   * JSON body and content type, and nothing that betrays the server's insides.
   */
  public static RawHttp.Response assertRefusedWithJson(int port, Case hostile, ErrorFormat format)
      throws IOException {
    RawHttp.Response response = RawHttp.send(port, hostile.bytes());
    if (hostile.status() > 0) {
      assertThat(response.status()).as("%s: %s", hostile, response).isEqualTo(hostile.status());
    } else if (hostile.status() == 0) {
      assertThat(response.status()).as("%s: %s", hostile, response).isBetween(400, 499);
    } else if (response.status() < 400) {
      // A fuzzed request a server may legitimately accept (a junk header it ignores, say).
      return response;
    } else {
      assertThat(response.status()).as("%s: %s", hostile, response).isBetween(400, 499);
    }
    assertJsonBody(response, format);
    return response;
  }

  /** Checks that {@code response} carries {@code format}'s JSON body and nothing of the server. */
  public static void assertJsonBody(RawHttp.Response response, ErrorFormat format)
      throws IOException {
    assertThat(response.header("Content-Type")).as("%s", response).startsWith(mediaType(format));
    assertThat(response.body())
        .as("%s", response)
        .doesNotContainIgnoringCase("<html")
        .doesNotContain("Exception")
        .doesNotContain("\tat ")
        .doesNotContain("jetty")
        .doesNotContain("javalin");
    JsonNode body = JSON.readTree(response.body());
    assertThat(body).as("%s", response).isNotNull();
    switch (format) {
      case OAUTH -> assertThat(body.path("error").asText()).as("%s", response).isNotBlank();
      case PROBLEM -> {
        assertThat(body.path("status").asInt()).as("%s", response).isEqualTo(response.status());
        assertThat(body.path("title").asText()).as("%s", response).isNotBlank();
      }
      case CONFLUENT -> {
        assertThat(body.path("error_code").canConvertToInt()).as("%s", response).isTrue();
        // The status itself, or one of Confluent's refinements of it (40401 for 404).
        assertThat(body.path("error_code").asText())
            .as("%s", response)
            .startsWith(String.valueOf(response.status()));
        assertThat(body.path("message").asText()).as("%s", response).isNotBlank();
      }
    }
  }

  private static String mediaType(ErrorFormat format) {
    String type = format.contentType();
    int semicolon = type.indexOf(';');
    return semicolon < 0 ? type : type.substring(0, semicolon);
  }
}
