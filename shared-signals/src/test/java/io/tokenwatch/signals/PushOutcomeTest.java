package io.tokenwatch.signals;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PushOutcomeTest {

  @ParameterizedTest
  @CsvSource({
    "202, , , Delivered",
    "200, , , Delivered",
    "400, invalid_request, bad, Rejected",
    "400, access_denied, no, Rejected",
    "400, invalid_key, kid?, Retry",
    "400, invalid_issuer, iss?, Retry",
    "400, invalid_audience, aud?, Retry",
    "400, authentication_failed, who?, Retry",
    "400, made_up_code, ?, Rejected",
    "400, , , Rejected",
    "401, , , Retry",
    "404, , , Retry",
    "429, , , Retry",
    "503, , , Retry",
    "302, , , Retry"
  })
  void shouldClassifyEveryAnswerPerTheDocumentedTable(
      int status, String err, String description, String outcome) {
    assertThat(PushOutcome.ofResponse(status, err, description).getClass().getSimpleName())
        .isEqualTo(outcome);
  }
}
