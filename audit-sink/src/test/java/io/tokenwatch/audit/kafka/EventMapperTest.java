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
    for (SpecificRecord sample : SampleEvents.all()) {
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
