package io.tokenwatch.embedded.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwatch.schemas.compat.CompatibilityLevel;
import org.junit.jupiter.api.Test;

class StoreRecordCodecTest {

  @Test
  void shouldRoundTripASchemaVersion() {
    var record = new StoreRecord.SchemaVersion("s", 3, 7, "\"string\"", true);

    String key = StoreRecordCodec.key(record);
    String value = StoreRecordCodec.value(record);

    assertThat(key).isEqualTo("{\"keytype\":\"SCHEMA\",\"subject\":\"s\",\"version\":3}");
    assertThat(StoreRecordCodec.decode(key, value)).contains(record);
  }

  @Test
  void shouldGiveEveryChangeOfOneVersionTheSameKeySoCompactionKeepsTheLatest() {
    var live = new StoreRecord.SchemaVersion("s", 1, 1, "\"string\"", false);

    assertThat(StoreRecordCodec.key(live.asDeleted())).isEqualTo(StoreRecordCodec.key(live));
  }

  @Test
  void shouldRoundTripGlobalAndSubjectLevels() {
    var global = new StoreRecord.SubjectConfig(null, CompatibilityLevel.FULL);
    var subject = new StoreRecord.SubjectConfig("s", CompatibilityLevel.NONE);

    assertThat(
            StoreRecordCodec.decode(StoreRecordCodec.key(global), StoreRecordCodec.value(global)))
        .contains(global);
    assertThat(
            StoreRecordCodec.decode(StoreRecordCodec.key(subject), StoreRecordCodec.value(subject)))
        .contains(subject);
    assertThat(StoreRecordCodec.key(global)).isNotEqualTo(StoreRecordCodec.key(subject));
  }

  @Test
  void shouldWriteARemovedSubjectLevelAsATombstone() {
    var removed = new StoreRecord.SubjectConfig("s", null);

    assertThat(StoreRecordCodec.value(removed)).isNull();
    assertThat(StoreRecordCodec.decode(StoreRecordCodec.key(removed), null)).contains(removed);
  }

  @Test
  void shouldRejectAnEntryItDidNotWrite() {
    assertThatThrownBy(() -> StoreRecordCodec.decode("{\"keytype\":\"OTHER\"}", "{}"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> StoreRecordCodec.decode("not json", "{}"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
