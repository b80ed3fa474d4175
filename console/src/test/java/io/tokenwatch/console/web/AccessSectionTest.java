package io.tokenwatch.console.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.console.source.IssuerApi.Answer;
import org.junit.jupiter.api.Test;

class AccessSectionTest {

  @Test
  void shouldAcceptOnlyPositiveVersionNumbers() {
    assertThat(AccessSection.versionNumber("3")).isEqualTo(3L);
    assertThat(AccessSection.versionNumber("0")).isNull();
    assertThat(AccessSection.versionNumber("-1")).isNull();
    assertThat(AccessSection.versionNumber("1e3")).isNull();
    assertThat(AccessSection.versionNumber("9999999999999999999")).isNull();
    assertThat(AccessSection.versionNumber(null)).isNull();
  }

  @Test
  void shouldPassTheIssuersRefusalsOnAndReportItsFailuresAsTheConsoles() {
    assertThat(AccessSection.failureStatus(new Answer(409, "{}"))).isEqualTo(409);
    assertThat(AccessSection.failureStatus(new Answer(403, "{}"))).isEqualTo(403);
    // The issuer refusing the console's own assertion is not the person's mistake.
    assertThat(AccessSection.failureStatus(new Answer(401, "{}"))).isEqualTo(502);
    assertThat(AccessSection.failureStatus(new Answer(500, "{}"))).isEqualTo(502);
    assertThat(AccessSection.failureStatus(new Answer(0, "no answer"))).isEqualTo(503);
  }

  @Test
  void shouldKeepAnythingButAnIssuerRequestIdOutOfTheIssuersUrl() {
    assertThat(AccessSection.ID.matcher("req-0f0e0d0c-0b0a-0908-0706-050403020100").matches())
        .isTrue();
    assertThat(AccessSection.ID.matcher("../policy/rollback").matches()).isFalse();
    assertThat(AccessSection.ID.matcher("req-0f0e0d0c-0b0a-0908-0706-05040302010?x").matches())
        .isFalse();
  }
}
