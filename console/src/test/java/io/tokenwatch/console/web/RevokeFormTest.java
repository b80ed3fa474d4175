package io.tokenwatch.console.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RevokeFormTest {

  @Test
  void shouldSendTheIssuerTheKindValueWatermarkReasonAndExplanation() throws Exception {
    RevokeForm.Read read =
        RevokeForm.read(
            Map.of(
                "kind", List.of("subject"),
                "value", List.of("  alice@example.com "),
                "category", List.of("COMPROMISED"),
                "reason", List.of("laptop stolen"),
                "issued_before", List.of("2030-01-01T00:00:00Z")));

    RevokeForm form = ((RevokeForm.Valid) read).form();
    assertThat(form.feedKey()).isEqualTo("subject:alice@example.com");
    assertThat(new ObjectMapper().readTree(form.issuerBody()))
        .isEqualTo(
            new ObjectMapper()
                .readTree(
                    "{\"kind\":\"subject\",\"value\":\"alice@example.com\","
                        + "\"issued_before\":\"2030-01-01T00:00:00Z\",\"reason\":\"COMPROMISED\","
                        + "\"detail\":\"laptop stolen\"}"));
    assertThat(form.issuedBefore()).isEqualTo(Instant.parse("2030-01-01T00:00:00Z"));
  }

  @Test
  void shouldRefuseAFormWithoutReasonWithEveryProblemInWords() {
    RevokeForm.Read read =
        RevokeForm.read(
            Map.of(
                "kind", List.of("everything"),
                "value", List.of(" "),
                "reason", List.of(""),
                "issued_before", List.of("tomorrow")));

    assertThat(read).isInstanceOf(RevokeForm.Invalid.class);
    assertThat(((RevokeForm.Invalid) read).problems())
        .containsExactly(
            "choose what to revoke: token, grant, lineage, subject, client, audience",
            "the value is required: the token id, grant id, subject, client or audience",
            "the reason is required: say why, for the audit trail",
            "issued before must be an instant such as 2030-01-01T00:00:00Z, or empty");
    assertThat(((RevokeForm.Invalid) read).values()).containsEntry("kind", "everything");
  }

  @Test
  void shouldRefuseAFieldGivenTwice() {
    RevokeForm.Read read =
        RevokeForm.read(
            Map.of(
                "kind", List.of("token"),
                "value", List.of("a", "b"),
                "reason", List.of("r")));

    assertThat(((RevokeForm.Invalid) read).problems())
        .containsExactly("value is given more than once");
  }
}
