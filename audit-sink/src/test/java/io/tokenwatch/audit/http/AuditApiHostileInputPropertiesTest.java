package io.tokenwatch.audit.http;

import static io.tokenwatch.audit.http.ApiFixture.get;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/** Hostile query input to the audit API: never a 5xx, never a stack trace, never a change. */
class AuditApiHostileInputPropertiesTest {

  @BeforeContainer
  static void start() throws Exception {
    ApiFixture.start();
  }

  @AfterContainer
  static void stop() {
    ApiFixture.stop();
  }

  @Property(tries = 150)
  void shouldNeverAnswer5xxNorLeakAStackTraceForHostileInput(
      @ForAll("hostile") String value, @ForAll("parameters") String parameter) throws Exception {
    String encoded = URLEncoder.encode(value, StandardCharsets.UTF_8);
    for (String path :
        List.of(
            "/api/v1/events?" + parameter + "=" + encoded,
            "/api/v1/grants?" + parameter + "=" + encoded,
            "/api/v1/tokens/" + encoded.replace("+", "%20") + "/timeline",
            "/api/v1/why/" + encoded.replace("+", "%20"),
            "/api/v1/why/t1?" + parameter + "=" + encoded)) {
      HttpResponse<String> answer = get(path, ApiFixture.goodToken);
      assertThat(answer.statusCode()).as(path).isLessThan(500);
      assertThat(answer.body()).as(path).doesNotContain("Exception").doesNotContain("\tat ");
    }
    assertThat(ApiFixture.store.count()).isEqualTo(3);
  }

  @Provide
  Arbitrary<String> parameters() {
    return Arbitraries.of(
        "subject", "client", "token", "grant", "type", "decision", "reason", "from", "to", "limit");
  }

  @Provide
  Arbitrary<String> hostile() {
    return Arbitraries.oneOf(
        Arbitraries.of(
            "' OR '1'='1",
            "alice'; DROP TABLE audit_events; --",
            "\" OR 1=1 --",
            "%27%20OR%201%3D1",
            "../../../etc/passwd",
            "..\\..\\windows",
            "\u0000",
            "\uD800",
            "e\u0301\u200B\uFEFF",
            "🎉".repeat(300),
            "x".repeat(5000),
            "9".repeat(40),
            "-1",
            "2026-13-45",
            "TokenIssued,Nope",
            "${jndi:ldap://x}",
            "<script>alert(1)</script>"),
        Arbitraries.strings().ofMaxLength(2000),
        Arbitraries.strings().all().ofMaxLength(64));
  }
}
