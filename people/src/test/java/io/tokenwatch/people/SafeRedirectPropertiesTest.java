package io.tokenwatch.people;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * No {@code next} value the login accepts sends the browser off this server: each accepted value is
 * resolved against the server's URL as a browser would (tabs and newlines dropped, backslashes read
 * as slashes, leading spaces and controls trimmed: the WHATWG URL parser's leniencies) and must
 * keep the server's scheme, host and port.
 */
class SafeRedirectPropertiesTest {

  static final URI SERVER = URI.create("https://tokenwatch.example:8443/login");

  private static final List<String> PIECES =
      List.of(
          "/",
          "//",
          "\\",
          "\\\\",
          "/\\",
          "\t",
          "\n",
          "\r",
          " ",
          "\u0000",
          "\u007f",
          "\u00a0",
          "\u3000",
          ":",
          "@",
          ".",
          "..",
          "%2F",
          "%5C",
          "%09",
          "?",
          "#",
          "&",
          "=",
          "evil.example",
          "https:",
          "http://",
          "javascript:alert(1)",
          "data:",
          "consents",
          "a",
          "login",
          "next=",
          "..%2F",
          "%2F%2F",
          "\\/",
          "/.",
          "ü",
          "\u202e");

  @Provide
  Arbitrary<String> nextValues() {
    Arbitrary<String> pieced =
        Arbitraries.of(PIECES)
            .list()
            .ofMinSize(1)
            .ofMaxSize(8)
            .map(parts -> String.join("", parts));
    Arbitrary<String> anything = Arbitraries.strings().ofMaxLength(40);
    Arbitrary<String> slashed = anything.map(s -> "/" + s);
    return Arbitraries.oneOf(pieced, anything, slashed);
  }

  @Property(tries = 3000)
  void acceptedNextNeverLeavesTheOrigin(@ForAll("nextValues") String next) {
    SafeRedirect.path(next)
        .ifPresent(
            accepted -> {
              URI resolved = SERVER.resolve(asBrowserReads(accepted));
              assertThat(resolved.getScheme()).as(next).isEqualTo(SERVER.getScheme());
              assertThat(resolved.getHost()).as(next).isEqualTo(SERVER.getHost());
              assertThat(resolved.getPort()).as(next).isEqualTo(SERVER.getPort());
              assertThat(resolved.getRawUserInfo()).as(next).isNull();
            });
  }

  /** What a browser's URL parser makes of a Location value before resolving it. */
  private static String asBrowserReads(String location) {
    String s = location.replaceAll("[\\t\\n\\r]", "").replace('\\', '/');
    int start = 0;
    while (start < s.length() && s.charAt(start) <= 0x20) {
      start++;
    }
    return s.substring(start);
  }

  @Example
  void shouldAcceptPlainPathsWithQueries() {
    assertThat(SafeRedirect.path("/consents?client=agent-7&x=%2F"))
        .hasValue("/consents?client=agent-7&x=%2F");
    assertThat(SafeRedirect.path("/")).hasValue("/");
  }

  @Example
  void shouldRefuseTheKnownOpenRedirectShapes() {
    for (String hostile :
        List.of(
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "/\t/evil.example",
            " //evil.example",
            "evil.example",
            "",
            "/" + "a".repeat(SafeRedirect.MAX_LENGTH))) {
      assertThat(SafeRedirect.path(hostile)).as(hostile).isEmpty();
    }
  }
}
