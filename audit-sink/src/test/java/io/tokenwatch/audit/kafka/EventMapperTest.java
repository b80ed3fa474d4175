package io.tokenwatch.audit.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenwatch.audit.AuditEvent;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.SecurityAlert;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.schemas.SampleEvents;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

class EventMapperTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void shouldMapEverySampleEventAndKeepItAsValidJson() throws Exception {
    for (SpecificRecord sample : AuditedSamples.all()) {
      AuditEvent event = EventMapper.map((GenericRecord) sample, "t", 0, 7);
      JsonNode json = JSON.readTree(event.json());
      assertThat(json.path("event_id").asText()).isEqualTo(event.eventId());
      assertThat(json.path("occurred_at").asLong()).isEqualTo(event.occurredAt());
      assertThat(event.eventType()).isEqualTo(sample.getSchema().getName());
    }
  }

  @Test
  void shouldFillTheAnalystColumns() {
    TokenIssued issued = SampleEvents.tokenIssued();
    AuditEvent event = EventMapper.map(issued, "tokenwatch.token-issued", 2, 9);
    assertThat(event.tokenId()).isEqualTo(SampleEvents.TOKEN_ID);
    assertThat(event.grantType()).isEqualTo("TOKEN_EXCHANGE");
    assertThat(event.scopes()).containsExactly("orders:read", "orders:export");
    assertThat(event.actor()).isEqualTo("client:" + SampleEvents.CLIENT_ID);
    assertThat(event.expiresAt()).isEqualTo(issued.getExpiresAt().toEpochMilli());

    TokenUsed used = SampleEvents.tokenUsed();
    AuditEvent use = EventMapper.map(used, "tokenwatch.token-used", 0, 1);
    assertThat(use.decision()).isEqualTo("DENIED");
    assertThat(use.reason()).isEqualTo("MAX_USES_EXCEEDED");
    assertThat(use.clientId()).isEqualTo(SampleEvents.CLIENT_ID);

    Revocation revocation = SampleEvents.revocation();
    AuditEvent revoked = EventMapper.map(revocation, "tokenwatch.revocations", 0, 1);
    assertThat(revoked.decision()).isEqualTo("REVOKED");
    assertThat(revoked.subject()).isEqualTo(revocation.getSelector().getValue());

    SecurityAlert alert = SampleEvents.securityAlert();
    assertThat(EventMapper.map(alert, "tokenwatch.security-alerts", 0, 1).reason())
        .isEqualTo(alert.getRule().name());
  }

  @Test
  void shouldFileGovernanceEventsUnderTheGrantClientAndPolicyVersionTheyConcern() {
    AuditEvent consent =
        EventMapper.map(SampleEvents.consentGranted(), "tokenwatch.consents", 0, 1);
    assertThat(consent.subject()).isEqualTo("alice");
    assertThat(consent.clientId()).isEqualTo("reporting-agent");
    assertThat(consent.grantId()).isEqualTo("cns-7Qm2");
    assertThat(consent.scopes()).containsExactly("orders:read");
    assertThat(consent.decision()).isEqualTo("GRANTED");
    assertThat(consent.reason()).isEqualTo("Weekly sales report");
    assertThat(consent.policyVersion()).isEqualTo("v1");

    AuditEvent withdrawn =
        EventMapper.map(SampleEvents.consentWithdrawn(), "tokenwatch.consent-withdrawals", 0, 1);
    assertThat(withdrawn.grantId()).isEqualTo("cns-7Qm2");
    assertThat(withdrawn.decision()).isEqualTo("WITHDRAWN");
    assertThat(withdrawn.reason()).isEqualTo("USER_WITHDREW");
    assertThat(withdrawn.actor()).isEqualTo("alice");

    AuditEvent request =
        EventMapper.map(SampleEvents.accessRequestChanged(), "tokenwatch.access-requests", 0, 1);
    assertThat(request.clientId()).isEqualTo("reporting-agent");
    assertThat(request.audience()).isEqualTo("https://orders.example.com");
    assertThat(request.scopes()).containsExactly("orders:export");
    assertThat(request.decision()).isEqualTo("PENDING");
    assertThat(request.reason()).isEqualTo("APPROVED");
    assertThat(request.actor()).isEqualTo("carol");

    AuditEvent policy =
        EventMapper.map(SampleEvents.policyChanged(), "tokenwatch.policy-changes", 0, 1);
    assertThat(policy.policyId()).isEqualTo("tokenwatch-sample");
    assertThat(policy.policyVersion()).isEqualTo("v2");
    assertThat(policy.decision()).isEqualTo("FILE_RELOAD");
    assertThat(policy.reason()).isEqualTo("2");
    assertThat(policy.actor()).isEqualTo("policy-file");
  }

  @Test
  void shouldRefuseRecordsThatAreNoTokenwatchEvent() {
    GenericRecord other =
        new GenericData.Record(
            new org.apache.avro.Schema.Parser()
                .parse(
                    "{\"type\":\"record\",\"name\":\"Other\",\"fields\":[{\"name\":\"event_id\","
                        + "\"type\":\"string\"}]}"));
    other.put("event_id", "x");
    assertThatThrownBy(() -> EventMapper.map(other, "t", 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
