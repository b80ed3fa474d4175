package io.tokenwatch.audit.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwatch.audit.AuditEvent;
import io.tokenwatch.events.SecurityAlert;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.schemas.SampleEvents;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

class StoredEventsTest {

  @Test
  void shouldRebuildEveryEventExactlyFromTheStoredJson() {
    for (SpecificRecord sample : AuditedSamples.all()) {
      AuditEvent stored = EventMapper.map((GenericRecord) sample, "t", 0, 1);

      SpecificRecord rebuilt = StoredEvents.rebuild(stored.eventType(), stored.json());

      assertThat(rebuilt).isEqualTo(sample);
      assertThat(rebuilt.getClass()).isEqualTo(sample.getClass());
    }
  }

  @Test
  void shouldRebuildAbsentOptionalsAndEmptyCollections() {
    TokenUsed use = SampleEvents.tokenUsed();
    use.setTokenId(null);
    use.setSubject(null);
    AuditEvent stored = EventMapper.map(use, "t", 0, 1);

    assertThat(StoredEvents.rebuild("TokenUsed", stored.json())).isEqualTo(use);
    assertThat(StoredEvents.key(use)).isNull();
  }

  @Test
  void shouldKeyEachEventAsItsTopicDoes() {
    assertThat(StoredEvents.key(SampleEvents.tokenIssued())).isEqualTo(SampleEvents.TOKEN_ID);
    assertThat(StoredEvents.key(SampleEvents.issuanceDenied()))
        .isEqualTo(SampleEvents.issuanceDenied().getClientId());
    assertThat(StoredEvents.key(SampleEvents.revocation()))
        .isEqualTo("subject:" + SampleEvents.SUBJECT);
    assertThat(StoredEvents.key(SampleEvents.revocationRequested()))
        .isEqualTo("subject:" + SampleEvents.SUBJECT);
    assertThat(StoredEvents.key(SampleEvents.refreshGrantChanged()))
        .isEqualTo(SampleEvents.refreshGrantChanged().getGrantId());
    SecurityAlert alert = SampleEvents.securityAlert();
    assertThat(StoredEvents.key(alert)).isEqualTo(alert.getSubject());
    alert.setSubject(null);
    assertThat(StoredEvents.key(alert)).isEqualTo("client:" + alert.getClientId());
    assertThat(StoredEvents.key(SampleEvents.consentGranted())).isEqualTo("alice");
    assertThat(StoredEvents.key(SampleEvents.consentWithdrawn())).isEqualTo("alice");
    assertThat(StoredEvents.key(SampleEvents.accessRequestChanged())).isEqualTo("req-42");
    assertThat(StoredEvents.key(SampleEvents.policyChanged())).isEqualTo("tokenwatch-sample");
  }

  @Test
  void shouldRefuseWhatDoesNotFitTheSchema() {
    assertThatThrownBy(() -> StoredEvents.rebuild("Nope", "{}"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> StoredEvents.rebuild("TokenIssued", "not json"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> StoredEvents.rebuild("TokenIssued", "{\"event_id\": 5}"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
