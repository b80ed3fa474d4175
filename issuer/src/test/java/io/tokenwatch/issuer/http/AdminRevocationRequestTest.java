package io.tokenwatch.issuer.http;

import static io.tokenwatch.issuer.testkit.TestIssuer.AGENT;
import static io.tokenwatch.issuer.testkit.TestIssuer.AGENT_SECRET;
import static io.tokenwatch.issuer.testkit.TestIssuer.CONSOLE;
import static io.tokenwatch.issuer.testkit.TestIssuer.CONSOLE_SECRET;
import static io.tokenwatch.issuer.testkit.TestIssuer.basic;
import static io.tokenwatch.issuer.testkit.TestIssuer.form;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.events.RefreshGrantStatus;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.issuer.testkit.Dpop;
import io.tokenwatch.issuer.testkit.Json;
import io.tokenwatch.issuer.testkit.TestIssuer;
import io.tokenwatch.issuer.token.TokenService;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code POST /admin/revocations} accepts: exactly the selectors the revocation stream applies
 * (the shared selector rules), in a strictly read JSON body; everything else is a 400 with a
 * reason, before any side effect.
 */
class AdminRevocationRequestTest {

  @TempDir Path dir;
  TestIssuer issuer;

  @BeforeEach
  void start() {
    issuer = new TestIssuer(dir);
  }

  @AfterEach
  void stop() {
    issuer.close();
  }

  private HttpResponse<String> revoke(String body) {
    return issuer.post(
        "/admin/revocations", "application/json", body, basic(CONSOLE, CONSOLE_SECRET));
  }

  private void assertRefusedWithoutEffect(HttpResponse<String> response, String because) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(Json.field(response.body(), "error")).isEqualTo("invalid_request");
    assertThat(Json.field(response.body(), "error_description")).contains(because);
    assertThat(response.body()).doesNotContain("Exception");
    assertThat(issuer.recorded().requests).isEmpty();
    assertThat(issuer.recorded().fastPath).isEmpty();
  }

  /** A delegated grant with a refresh token; returns its id. */
  private String activeGrant() {
    Dpop key = new Dpop();
    Map<String, String> headers = new HashMap<>(basic(AGENT, AGENT_SECRET));
    headers.put("DPoP", key.proof("POST", TestIssuer.tokenEndpoint(), issuer.clock.instant()));
    HttpResponse<String> exchanged =
        issuer.postForm(
            "/oauth2/token",
            form(
                "grant_type",
                TokenService.TOKEN_EXCHANGE,
                "subject_token",
                issuer.ordersServiceToken("orders:read"),
                "subject_token_type",
                TokenService.ACCESS_TOKEN_TYPE),
            headers);
    assertThat(exchanged.statusCode()).as(exchanged.body()).isEqualTo(200);
    return Json.field(exchanged.body(), "refresh_token").split("\\.")[1];
  }

  // ---- the watermark range (one shared definition with the revocation stream) ----

  @Test
  void shouldRefuseAWatermarkTooFarAheadBeforeRevokingTheGrant() {
    String grant = activeGrant();

    HttpResponse<String> response =
        revoke(
            "{\"kind\":\"grant\",\"value\":\""
                + grant
                + "\",\"issued_before\":\"+999999999-12-31T23:59:59Z\"}");

    assertRefusedWithoutEffect(response, "issued_before must be at most 366 days after");
    assertThat(issuer.grants.get(grant).orElseThrow().getStatus())
        .as("a refused request has no partial effect")
        .isEqualTo(RefreshGrantStatus.ACTIVE);
  }

  @Test
  void shouldRefuseAWatermarkTheStreamWouldDeadLetter() {
    HttpResponse<String> response =
        revoke(
            "{\"kind\":\"subject\",\"value\":\"alice\","
                + "\"issued_before\":\"0000-01-01T00:00:00Z\"}");

    assertRefusedWithoutEffect(response, "issued_before must be after 1970-01-01T00:00:00Z");
  }

  @Test
  void shouldAcceptTheLatestWatermarkAndStampTheInstantItWasJudgedAgainst() {
    issuer.clock.advance(Duration.ofNanos(123_456)); // the event carries milliseconds only
    Instant requestedAt = issuer.clock.instant().truncatedTo(ChronoUnit.MILLIS);
    Instant latest = requestedAt.plus(Duration.ofDays(366));

    HttpResponse<String> tooLate =
        revoke(
            "{\"kind\":\"subject\",\"value\":\"alice\",\"issued_before\":\""
                + latest.plusMillis(1)
                + "\"}");
    HttpResponse<String> accepted =
        revoke("{\"kind\":\"subject\",\"value\":\"alice\",\"issued_before\":\"" + latest + "\"}");

    assertThat(tooLate.statusCode()).as(tooLate.body()).isEqualTo(400);
    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
    assertThat(issuer.recorded().requests)
        .singleElement()
        .satisfies(r -> assertThat(r.getOccurredAt()).isEqualTo(requestedAt))
        .satisfies(r -> assertThat(r.getSelector().getIssuedBefore()).isEqualTo(latest));
    assertThat(issuer.recorded().fastPath)
        .singleElement()
        .satisfies(
            r ->
                assertThat(r.getForgetAfter()).isEqualTo(latest.plus(issuer.service.ttlCeiling())));
  }

  @Test
  void shouldRoundASubMillisecondWatermarkUpToTheMillisecondTheFeedCarries() {
    Instant watermark = issuer.clock.instant().truncatedTo(ChronoUnit.SECONDS).plusNanos(500);

    HttpResponse<String> response =
        revoke(
            "{\"kind\":\"subject\",\"value\":\"alice\",\"issued_before\":\"" + watermark + "\"}");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    assertThat(issuer.recorded().requests.get(0).getSelector().getIssuedBefore())
        .isEqualTo(watermark.truncatedTo(ChronoUnit.MILLIS).plusMillis(1));
  }

  // ---- strict JSON ----

  @Test
  void shouldRefuseControlCharactersAndLineBreaksInSelectorValues() {
    assertRefusedWithoutEffect(
        revoke("{\"kind\":\"subject\",\"value\":\"alice\\nINFO forged log line\"}"),
        "value contains the control character U+000A");
    assertRefusedWithoutEffect(
        revoke("{\"kind\":\"subject\",\"value\":\"alice\\u2028bob\"}"), "line break U+2028");
    assertRefusedWithoutEffect(
        revoke("{\"kind\":\"client\",\"value\":\"\\u0000\"}"), "control character U+0000");
  }

  @Test
  void shouldRefuseAnUnpairedSurrogateInsteadOfRevokingQuestionMark() {
    assertRefusedWithoutEffect(
        revoke("{\"kind\":\"subject\",\"value\":\"\\ud800\"}"), "unpaired surrogate");
  }

  @Test
  void shouldRefuseABodyThatIsNotUtf8() {
    byte[] body =
        "{\"kind\":\"subject\",\"value\":\"al\u00ffce\"}".getBytes(StandardCharsets.ISO_8859_1);

    assertRefusedWithoutEffect(
        issuer.postBytes(
            "/admin/revocations", "application/json", body, basic(CONSOLE, CONSOLE_SECRET)),
        "not valid UTF-8");
  }

  @Test
  void shouldRefuseDuplicateFieldsInsteadOfTakingTheLast() {
    assertRefusedWithoutEffect(
        revoke("{\"kind\":\"subject\",\"value\":\"alice\",\"value\":\"bob\"}"),
        "given more than once: 'value'");
  }

  @Test
  void shouldRefuseUnknownFields() {
    assertRefusedWithoutEffect(
        revoke(
            "{\"kind\":\"subject\",\"value\":\"alice\",\"issuedBefore\":\"2030-01-01T00:00:00Z\"}"),
        "unknown field 'issuedBefore'");
  }

  @Test
  void shouldRefuseOversizedValuesAndDetails() {
    assertRefusedWithoutEffect(
        revoke("{\"kind\":\"subject\",\"value\":\"" + "a".repeat(15_000) + "\"}"),
        "value is 15000 bytes in UTF-8; at most 1024");
    assertRefusedWithoutEffect(
        revoke(
            "{\"kind\":\"subject\",\"value\":\"alice\",\"detail\":\"" + "d".repeat(3_000) + "\"}"),
        "detail is 3000 bytes");
  }

  @Test
  void shouldRefuseFieldsThatAreNotStrings() {
    assertRefusedWithoutEffect(
        revoke("{\"kind\":\"token\",\"value\":12345}"), "field 'value' must be a string");
    assertRefusedWithoutEffect(
        revoke("{\"kind\":\"token\",\"value\":[\"a\"]}"), "field 'value' must be a string");
  }

  @Test
  void shouldRefuseBlankOrPaddedValuesAndUnknownKinds() {
    assertRefusedWithoutEffect(revoke("{\"kind\":\"subject\",\"value\":\" \"}"), "blank");
    assertRefusedWithoutEffect(
        revoke("{\"kind\":\"subject\",\"value\":\"alice \"}"), "white space");
    assertRefusedWithoutEffect(
        revoke("{\"kind\":\"unknown\",\"value\":\"alice\"}"), "kind must be one of token");
    assertRefusedWithoutEffect(
        revoke("{\"kind\":\"\u017Fubject\",\"value\":\"alice\"}"), "kind must be one of");
    assertRefusedWithoutEffect(revoke("{\"kind\":\"subject\"}"), "value is required");
    assertRefusedWithoutEffect(revoke("[]"), "one JSON object");
    assertRefusedWithoutEffect(
        revoke("{\"kind\":\"subject\",\"value\":\"alice\"} {}"), "one JSON object");
  }

  @Test
  void shouldAcceptAWellFormedRequest() {
    HttpResponse<String> response =
        revoke(
            "{\"kind\":\"SUBJECT\",\"value\":\"Jos\u00e9 \ud83d\udd25\",\"reason\":\"compromised\","
                + "\"detail\":\"phished\",\"issued_before\":null}");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    assertThat(issuer.recorded().requests)
        .singleElement()
        .satisfies(r -> assertThat(r.getSelector().getKind()).isEqualTo(SelectorKind.SUBJECT))
        .satisfies(r -> assertThat(r.getSelector().getValue()).isEqualTo("Jos\u00e9 \ud83d\udd25"));
  }
}
