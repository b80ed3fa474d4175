package io.tokenwatch.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwatch.events.PolicyRef;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.TokenIssued;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class EventTypesTest {

  @Test
  void shouldListTheEventTypesInCatalogueOrder() {
    assertThat(EventTypes.all())
        .extracting(Schema::getName)
        .containsExactly(
            "TokenIssued",
            "IssuanceDenied",
            "TokenUsed",
            "RevocationRequested",
            "Revocation",
            "SecurityAlert",
            "RefreshGrantChanged",
            "AuditCheckpoint",
            "ConsentGranted",
            "ConsentWithdrawn",
            "AccessRequestChanged",
            "PolicyChanged",
            "ValidatorStatus");
    assertThat(EventTypes.classes()).hasSize(13).allSatisfy(type -> assertThat(type).isNotNull());
  }

  @Test
  void shouldLookUpTheGeneratedSchemaByClass() {
    assertThat(EventTypes.schemaOf(TokenIssued.class)).isSameAs(TokenIssued.getClassSchema());
    assertThat(EventTypes.schemaOf(Revocation.class)).isSameAs(Revocation.getClassSchema());
  }

  @Test
  void shouldRejectAClassThatIsNotAnEvent() {
    assertThatThrownBy(() -> EventTypes.schemaOf(PolicyRef.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PolicyRef");
  }

  @Test
  void shouldLookUpTheClassByFullName() {
    assertThat(EventTypes.forFullName("io.tokenwatch.events.TokenIssued"))
        .contains(TokenIssued.class);
    assertThat(EventTypes.forFullName("io.tokenwatch.events.PolicyRef")).isEmpty();
  }
}
