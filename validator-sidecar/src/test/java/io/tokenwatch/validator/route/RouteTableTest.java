package io.tokenwatch.validator.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RouteTableTest {

  private static final RouteTable ORDERS =
      RouteTable.parse(
          "GET /orders/export -> orders:export, GET /orders/** -> orders:read,"
              + " POST|PUT|PATCH|DELETE /orders/** -> orders:write");

  private static RouteTable.Outcome get(RouteTable table, String target) {
    return table.decide(Set.of("GET"), target);
  }

  private static Set<String> required(RouteTable.Outcome outcome) {
    assertThat(outcome).isInstanceOf(RouteTable.Required.class);
    return ((RouteTable.Required) outcome).scopes();
  }

  private static RouteTable.Refusal refusal(RouteTable.Outcome outcome) {
    assertThat(outcome).isInstanceOf(RouteTable.Refused.class);
    return ((RouteTable.Refused) outcome).refusal();
  }

  @Test
  void shouldNameTheRoutesThatDecidedInTableOrder() {
    RouteTable.Required export = (RouteTable.Required) get(ORDERS, "/orders/export");
    assertThat(export.rules())
        .containsExactly("GET /orders/export -> orders:export", "GET /orders/** -> orders:read");
    RouteTable.Required unmatched =
        (RouteTable.Required)
            ORDERS.withUnmatchedScopes(Set.of("misc")).decide(Set.of("GET"), "/elsewhere");
    assertThat(unmatched.rules()).containsExactly(RouteTable.UNMATCHED);
  }

  @Test
  void shouldVersionTheTableByWhatItSaysNotHowItIsSpaced() {
    RouteTable respaced =
        RouteTable.parse(
            "GET  /orders/export ->  orders:export ,GET /orders/** -> orders:read,"
                + " POST|PUT|PATCH|DELETE /orders/** -> orders:write");
    assertThat(respaced.version()).isEqualTo(ORDERS.version()).matches("routes-[0-9a-f]{16}");
    assertThat(RouteTable.parse("GET /orders/** -> orders:read").version())
        .isNotEqualTo(ORDERS.version());
    assertThat(ORDERS.withUnmatchedScopes(Set.of()).version()).isNotEqualTo(ORDERS.version());
  }

  @Test
  void shouldRequireTheScopesOfEveryMatchingRouteByMethodAndPath() {
    assertThat(required(get(ORDERS, "/orders/42"))).containsExactly("orders:read");
    assertThat(required(get(ORDERS, "/orders"))).containsExactly("orders:read");
    assertThat(required(get(ORDERS, "/orders/export")))
        .containsExactlyInAnyOrder("orders:export", "orders:read");
    assertThat(required(ORDERS.decide(Set.of("POST"), "/orders"))).containsExactly("orders:write");
    assertThat(required(ORDERS.decide(Set.of("HEAD"), "/orders/export")))
        .containsExactlyInAnyOrder("orders:export", "orders:read");
    assertThat(required(get(ORDERS, "/orders/42?format=csv"))).containsExactly("orders:read");
    assertThat(required(get(ORDERS, "/orders/export/"))).contains("orders:export");
  }

  @Test
  void shouldRequireTheScopesOfEveryMethodTheUpstreamMayActAs() {
    assertThat(required(ORDERS.decide(List.of("GET", "DELETE"), "/orders/42")))
        .containsExactlyInAnyOrder("orders:read", "orders:write");
  }

  @Test
  void shouldRefuseWhatNoRouteMatchesUnlessADefaultIsSet() {
    assertThat(refusal(get(ORDERS, "/admin"))).isEqualTo(RouteTable.Refusal.NO_ROUTE);
    assertThat(refusal(ORDERS.decide(Set.of("OPTIONS"), "/orders/42")))
        .isEqualTo(RouteTable.Refusal.NO_ROUTE);
    assertThat(refusal(get(RouteTable.parse(""), "/"))).isEqualTo(RouteTable.Refusal.NO_ROUTE);
    assertThat(required(get(ORDERS.withUnmatchedScopes(Set.of("api")), "/admin")))
        .containsExactly("api");
    assertThat(required(get(ORDERS.withUnmatchedScopes(Set.of()), "/admin"))).isEmpty();
  }

  @Test
  void shouldMatchLiteralsInAnyCaseUnlessTheRouteIsCaseSensitive() {
    assertThat(required(get(ORDERS, "/Orders/EXPORT")))
        .containsExactlyInAnyOrder("orders:export", "orders:read");
    RouteTable strict = RouteTable.parse("GET /Files/** -> files:read [case-sensitive]");
    assertThat(required(get(strict, "/Files/a"))).containsExactly("files:read");
    assertThat(refusal(get(strict, "/files/a"))).isEqualTo(RouteTable.Refusal.NO_ROUTE);
  }

  @Test
  void shouldMatchOneSegmentWildcardsAndTrailingDoubleStars() {
    RouteTable table =
        RouteTable.parse("GET /orders/{id}/items -> items, GET /orders/*/notes -> notes, * / ->");
    assertThat(required(get(table, "/orders/7/items"))).containsExactly("items");
    assertThat(required(get(table, "/orders/7/notes"))).containsExactly("notes");
    assertThat(refusal(get(table, "/orders/items"))).isEqualTo(RouteTable.Refusal.NO_ROUTE);
    assertThat(refusal(get(table, "/orders/7/8/items"))).isEqualTo(RouteTable.Refusal.NO_ROUTE);
    assertThat(required(ORDERS.withUnmatchedScopes(Set.of()).decide(Set.of("GET"), "/"))).isEmpty();
    assertThat(required(get(table, "/"))).isEmpty();
  }

  /** The repros: each got 200 with an orders:read token, or needed no scope at all. */
  @Test
  void shouldNeverLetAnEncodingOfTheExportPathNeedLessThanTheExportScope() {
    assertThat(required(get(ORDERS, "/orders/%65xport"))).contains("orders:export");
    assertThat(required(get(ORDERS, "/orders/x/%2e%2e/export"))).contains("orders:export");
    assertThat(required(get(ORDERS, "/Orders/export"))).contains("orders:export");
    assertThat(refusal(get(ORDERS, "/orders/export;a=b")))
        .isEqualTo(RouteTable.Refusal.AMBIGUOUS_TARGET);
    assertThat(refusal(get(ORDERS, "/orders%2Fexport")))
        .isEqualTo(RouteTable.Refusal.AMBIGUOUS_TARGET);
    // Read as sent, /%6frders matches no route: refused, where it used to need no scope.
    assertThat(refusal(get(ORDERS, "/%6frders/export"))).isEqualTo(RouteTable.Refusal.NO_ROUTE);
  }

  @Test
  void shouldApplyTheRoutesOfEveryReadingOfTheTarget() {
    // As sent (Javalin routes /orders/%65xport to /orders/{id}) and decoded (export).
    assertThat(required(get(ORDERS, "/orders/%65xport")))
        .containsExactlyInAnyOrder("orders:export", "orders:read");
    RouteTable table =
        RouteTable.parse("GET /public/** -> , GET /admin/** -> admin, GET /orders/** -> read");
    // As sent, /public/..; resolved, /admin: both apply.
    assertThat(required(get(table, "/public/../admin/users"))).containsExactly("admin");
    assertThat(required(get(table, "/public/%2e%2e/admin/users"))).containsExactly("admin");
    // Fullwidth letters fold to ASCII under NFKC, as some servers normalize; as sent it matches
    // no route, so without a default it is refused outright.
    assertThat(required(get(table.withUnmatchedScopes(Set.of()), "/%EF%BD%81dmin/users")))
        .containsExactly("admin");
    assertThat(refusal(get(table, "/%EF%BD%81dmin/users"))).isEqualTo(RouteTable.Refusal.NO_ROUTE);
    // A reading no route matches refuses the request.
    assertThat(refusal(get(table, "/elsewhere/../orders/1")))
        .isEqualTo(RouteTable.Refusal.NO_ROUTE);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/orders%2fexport",
        "/orders%5Cexport",
        "/orders\\export",
        "/orders/export%00",
        "/orders/%0a",
        "/orders/%7F",
        "/orders/%252e%252e/export",
        "/orders/%25",
        "/orders/export;jsessionid=1",
        "/orders/export%3Bx",
        "/orders//export",
        "//orders/export",
        "/orders/%C0%AE%C0%AE/export",
        "/orders/%ED%A0%80",
        "/orders/%FF",
        "/orders/%C2%85",
        "/orders/%",
        "/orders/%4",
        "/orders/%zz",
        "/orders/export#top",
        "/orders/caf\u00e9",
        "/orders/a b",
        "http://api.example/orders/export",
        "orders/export",
        "*",
        "",
        "/../orders",
        "/orders/../../etc",
        "/orders/%2e%2e/%2e%2e/etc",
        "/orders/%EF%BC%8Fexport",
        "/orders/%EF%BC%8E%EF%BC%8E/export"
      })
  void shouldRefuseATargetUpstreamsReadInIncompatibleWays(String target) {
    RouteTable.Outcome outcome = get(ORDERS.withUnmatchedScopes(Set.of()), target);
    assertThat(outcome).as(target).isInstanceOf(RouteTable.Refused.class);
    assertThat(((RouteTable.Refused) outcome).refusal())
        .isEqualTo(RouteTable.Refusal.AMBIGUOUS_TARGET);
    assertThat(((RouteTable.Refused) outcome).detail()).isNotBlank();
  }

  @Test
  void shouldRefuseMethodsItDoesNotKnow() {
    for (String method : new String[] {"get", "PROPFIND", "G ET", "", "GET\u0000"}) {
      assertThat(refusal(ORDERS.decide(Set.of(method), "/orders/1")))
          .as(method)
          .isEqualTo(RouteTable.Refusal.UNKNOWN_METHOD);
    }
    RouteTable dav = RouteTable.parse("PROPFIND /files/** -> files:read");
    assertThat(required(dav.decide(Set.of("PROPFIND"), "/files/a"))).containsExactly("files:read");
  }

  @Test
  void shouldReportEveryMalformedRouteAtOnce() {
    assertThatThrownBy(
            () ->
                RouteTable.parse(
                    "/orders=orders:read, get /a -> x, GET a -> x, GET /a/**/b -> x, GET /a/%41 ->"
                        + " x, GET /a/../b -> x, GET /a -> x\"y, GET /a -> x [strict]"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("/orders=orders:read")
        .hasMessageContaining("'get'")
        .hasMessageContaining("must start with '/'")
        .hasMessageContaining("'**' may only end")
        .hasMessageContaining("'%41'")
        .hasMessageContaining("dot segment")
        .hasMessageContaining("'x\"y'")
        .hasMessageContaining("'[strict]'");
  }

  @Test
  void shouldPrintRoutesAsTheyAreWritten() {
    assertThat(
            RouteTable.parse("GET|HEAD /orders/{id} -> a b, * /x/** -> [case-sensitive]").routes())
        .containsExactly("GET|HEAD /orders/{id} -> a b", "* /x/** -> [case-sensitive]");
  }
}
