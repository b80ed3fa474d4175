package io.tokenwatch.issuer.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenwatch.issuer.testkit.TestIssuer;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Hostile input to the issuer's endpoints, generated: malformed and oversized bodies, odd Unicode,
 * injection strings, duplicated parameters, forged credentials. Every answer is a 4xx with an RFC
 * 6749-style JSON error, never a 5xx, never a stack trace, never a token.
 */
class HostileInputPropertiesTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> NASTY =
      List.of(
          "' OR '1'='1",
          "\"; DROP TABLE tokens; --",
          "../../../../etc/passwd",
          "%00",
          "\u0000",
          "<script>alert(1)</script>",
          "${jndi:ldap://localhost/a}",
          "\u202e\u0645\u0631\u062d\u0628\u0627",
          "\ud83d\udd25".repeat(50),
          "a".repeat(5000),
          "",
          " ",
          "orders:read orders:read",
          "=&=&&==");
  private static final List<String> PARAMETERS =
      List.of(
          "grant_type",
          "scope",
          "audience",
          "resource",
          "client_id",
          "client_secret",
          "refresh_token",
          "subject_token",
          "subject_token_type",
          "expires_in",
          "max_uses",
          "token");

  private static TestIssuer issuer;

  @BeforeContainer
  static void start() throws Exception {
    Path dir = Files.createTempDirectory("hostile-issuer");
    issuer = new TestIssuer(dir);
  }

  @AfterContainer
  static void stop() {
    issuer.close();
  }

  @Property(tries = 150)
  void tokenEndpointAnswersHostileFormsWithA4xxJsonError(
      @ForAll("hostileForms") String body, @ForAll("contentTypes") String contentType)
      throws Exception {
    assertRefusedCleanly(issuer.post("/oauth2/token", contentType, body, Map.of()));
  }

  @Property(tries = 100)
  void tokenEndpointRefusesForgedCredentials(
      @ForAll("nasty") String client, @ForAll("nasty") String secret) throws Exception {
    String basic =
        "Basic "
            + Base64.getEncoder()
                .encodeToString((client + ":" + secret).getBytes(StandardCharsets.UTF_8));
    assertRefusedCleanly(
        issuer.post(
            "/oauth2/token",
            "application/x-www-form-urlencoded",
            "grant_type=client_credentials&audience="
                + URLEncoder.encode(TestIssuer.ORDERS, StandardCharsets.UTF_8)
                + "&scope=orders:read",
            Map.of("Authorization", basic)));
  }

  @Property(tries = 100)
  void adminEndpointAnswersHostileJsonWithA4xxJsonError(@ForAll("hostileJson") String body)
      throws Exception {
    String admin =
        "Basic "
            + Base64.getEncoder()
                .encodeToString(
                    (TestIssuer.CONSOLE + ":" + TestIssuer.CONSOLE_SECRET)
                        .getBytes(StandardCharsets.UTF_8));
    assertRefusedCleanly(
        issuer.post(
            "/admin/revocations", "application/json", body, Map.of("Authorization", admin)));
  }

  /** One defect in an otherwise well-formed admin revocation; each must be refused. */
  enum Defect {
    CONTROL_CHARACTER_IN_VALUE,
    LINE_SEPARATOR_IN_VALUE,
    LONE_SURROGATE_ESCAPE_IN_VALUE,
    DUPLICATE_KEY,
    UNKNOWN_FIELD,
    OVERSIZED_VALUE,
    NUMBER_FOR_A_STRING,
    OBJECT_FOR_A_STRING,
    INVALID_UTF8_BYTES,
    WATERMARK_OUT_OF_RANGE,
    TRAILING_CONTENT
  }

  @Property(tries = 200)
  void adminEndpointRefusesEveryDefectOfAnOtherwiseValidRevocation(
      @ForAll("kinds") String kind,
      @ForAll("plainValues") String value,
      @ForAll Defect defect,
      @ForAll("defectPositions") int position,
      @ForAll("oversizes") int oversize)
      throws Exception {
    String at = value.substring(0, position % (value.length() + 1));
    String rest = value.substring(at.length());
    String base = "\"kind\":\"" + kind + "\",\"value\":";
    String body =
        switch (defect) {
          case CONTROL_CHARACTER_IN_VALUE ->
              "{" + base + "\"" + at + "\\u" + String.format("%04x", position % 32) + rest + "\"}";
          case LINE_SEPARATOR_IN_VALUE -> "{" + base + "\"" + at + "\\u2028" + rest + "\"}";
          case LONE_SURROGATE_ESCAPE_IN_VALUE ->
              "{" + base + "\"" + at + (position % 2 == 0 ? "\\ud83d" : "\\udd25") + rest + "\"}";
          case DUPLICATE_KEY -> "{" + base + "\"" + value + "\",\"value\":\"other\"}";
          case UNKNOWN_FIELD -> "{" + base + "\"" + value + "\",\"issuedbefore\":\"x\"}";
          case OVERSIZED_VALUE -> "{" + base + "\"" + value + "x".repeat(oversize) + "\"}";
          case NUMBER_FOR_A_STRING -> "{" + base + position + "}";
          case OBJECT_FOR_A_STRING -> "{" + base + "{\"v\":\"" + value + "\"}}";
          case INVALID_UTF8_BYTES, TRAILING_CONTENT -> "{" + base + "\"" + value + "\"}";
          case WATERMARK_OUT_OF_RANGE ->
              "{"
                  + base
                  + "\""
                  + value
                  + "\",\"issued_before\":\""
                  + (position % 2 == 0 ? "+999999999-12-31T23:59:59Z" : "1969-12-31T23:59:59Z")
                  + "\"}";
        };
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    if (defect == Defect.INVALID_UTF8_BYTES) {
      // A lone continuation byte inside the value, where a lenient decoder would put U+FFFD.
      int inValue = body.indexOf("\"value\":\"") + "\"value\":\"".length() + at.length();
      bytes = new byte[body.length() + 1];
      byte[] ascii = body.getBytes(StandardCharsets.US_ASCII);
      System.arraycopy(ascii, 0, bytes, 0, inValue);
      bytes[inValue] = (byte) 0x80;
      System.arraycopy(ascii, inValue, bytes, inValue + 1, ascii.length - inValue);
    } else if (defect == Defect.TRAILING_CONTENT) {
      bytes = (body + (position % 2 == 0 ? " {}" : "x")).getBytes(StandardCharsets.UTF_8);
    }
    int recorded = issuer.recorded().requests.size();

    HttpResponse<String> response =
        issuer.postBytes(
            "/admin/revocations",
            "application/json",
            bytes,
            TestIssuer.basic(TestIssuer.CONSOLE, TestIssuer.CONSOLE_SECRET));

    assertThat(response.statusCode()).as("%s: %s", defect, response.body()).isEqualTo(400);
    assertRefusedCleanly(response);
    assertThat(JSON.readTree(response.body()).path("error_description").asText()).isNotBlank();
    assertThat(issuer.recorded().requests).as("nothing recorded").hasSize(recorded);
  }

  @Property(tries = 50)
  void adminEndpointAcceptsTheSameRevocationsWithoutTheDefect(
      @ForAll("kinds") String kind, @ForAll("plainValues") String value) throws Exception {
    HttpResponse<String> response =
        issuer.post(
            "/admin/revocations",
            "application/json",
            "{\"kind\":\"" + kind + "\",\"value\":\"" + value + "\"}",
            Map.of(
                "Authorization",
                "Basic "
                    + Base64.getEncoder()
                        .encodeToString(
                            (TestIssuer.CONSOLE + ":" + TestIssuer.CONSOLE_SECRET)
                                .getBytes(StandardCharsets.UTF_8))));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
  }

  @Provide
  Arbitrary<String> kinds() {
    return Arbitraries.of("token", "grant", "lineage", "subject", "client", "audience");
  }

  @Provide
  Arbitrary<String> plainValues() {
    return Arbitraries.strings()
        .alpha()
        .numeric()
        .withChars('-', '.', ':')
        .ofMinLength(1)
        .ofMaxLength(40);
  }

  @Provide
  Arbitrary<Integer> defectPositions() {
    return Arbitraries.integers().between(0, 1000);
  }

  @Provide
  Arbitrary<Integer> oversizes() {
    return Arbitraries.integers().between(1025, 15_000);
  }

  @Example
  void oversizedBodiesAreRefusedWith413() throws Exception {
    HttpResponse<String> response =
        issuer.post(
            "/oauth2/token",
            "application/x-www-form-urlencoded",
            "scope=" + "x".repeat(2_000_000),
            Map.of());
    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(response.body()).doesNotContain("Exception");
  }

  @Example
  void oversizedHeadersAreRefusedWithAJsonError() throws Exception {
    HttpResponse<String> response =
        issuer.post(
            "/oauth2/token",
            "application/x-www-form-urlencoded",
            "grant_type=client_credentials",
            Map.of("Authorization", "Basic " + "QUFB".repeat(5_000)));
    assertThat(response.statusCode()).isEqualTo(431);
    assertThat(response.headers().firstValue("Content-Type")).get().asString().contains("json");
    assertRefusedCleanly(response);
  }

  private static void assertRefusedCleanly(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isBetween(400, 499);
    assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ");
    JsonNode error = JSON.readTree(response.body());
    assertThat(error.path("error").asText()).isNotBlank();
    assertThat(error.has("access_token")).isFalse();
  }

  @Provide
  Arbitrary<String> nasty() {
    return Arbitraries.oneOf(Arbitraries.of(NASTY), Arbitraries.strings().all().ofMaxLength(200));
  }

  @Provide
  Arbitrary<String> contentTypes() {
    return Arbitraries.of(
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=UTF-8",
        "application/json",
        "text/plain",
        "multipart/form-data; boundary=x");
  }

  @Provide
  Arbitrary<String> hostileForms() {
    Arbitrary<String> pair =
        Combinators.combine(
                Arbitraries.oneOf(Arbitraries.of(PARAMETERS), nasty()),
                nasty(),
                Arbitraries.of(true, false))
            .as(
                (key, value, encode) ->
                    encode
                        ? URLEncoder.encode(key, StandardCharsets.UTF_8)
                            + "="
                            + URLEncoder.encode(value, StandardCharsets.UTF_8)
                        : key + "=" + value);
    Arbitrary<String> form =
        pair.list()
            .ofMinSize(0)
            .ofMaxSize(12)
            .map(p -> p.stream().collect(Collectors.joining("&")));
    Arbitrary<String> duplicated =
        Arbitraries.of(PARAMETERS).map(p -> p + "=a&" + p + "=b&grant_type=client_credentials");
    return Arbitraries.oneOf(form, duplicated, Arbitraries.strings().all().ofMaxLength(3000));
  }

  @Provide
  Arbitrary<String> hostileJson() {
    Arbitrary<String> object =
        Combinators.combine(
                Arbitraries.of("token", "grant", "lineage", "subject", "client", "audience")
                    .injectNull(0.1),
                nasty(),
                nasty())
            .as(
                (kind, value, before) -> {
                  var node = JSON.createObjectNode();
                  // Never a valid kind: a well-formed request would be accepted (202).
                  node.put("kind", kind == null ? value + "?" : kind + "-x");
                  node.put("value", value);
                  node.put("issued_before", before);
                  return node.toString();
                });
    return Arbitraries.oneOf(
        object,
        Arbitraries.of("", "[]", "null", "{", "{\"kind\":1}", "{\"kind\":\"token\"}"),
        Arbitraries.strings().all().ofMaxLength(500));
  }
}
