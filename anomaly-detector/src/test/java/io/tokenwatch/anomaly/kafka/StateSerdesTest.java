package io.tokenwatch.anomaly.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwatch.anomaly.ClientWatch;
import io.tokenwatch.anomaly.StateCodec;
import io.tokenwatch.anomaly.TokenWatch;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class StateSerdesTest {

  @Test
  void readsThePerTokenStateEarlierReleasesWroteAsJson() {
    byte[] json =
        "{\"subject\":\"alice\",\"issueEventId\":\"e1\",\"lastEventAt\":5,\"unknown\":1}"
            .getBytes(StandardCharsets.UTF_8);
    TokenWatch watch = StateSerdes.tokenWatch().deserializer().deserialize("changelog", json);
    assertThat(watch.issued()).isTrue();
    byte[] rewritten = StateSerdes.tokenWatch().serializer().serialize("changelog", watch);
    assertThat(StateCodec.isBinary(rewritten)).isTrue();
    assertThat(StateSerdes.tokenWatch().deserializer().deserialize("changelog", rewritten).issued())
        .isTrue();
  }

  @Test
  void shouldFoldThePerPartitionUseCountsAnEarlierReleaseWroteIntoOneCountPerBucket() {
    byte[] json =
        ("{\"buckets\":{\"0\":{\"100\":3,\"101\":4},\"2\":{\"101\":5}},"
                + "\"firstBucket\":100,\"lastEventAt\":6060000}")
            .getBytes(StandardCharsets.UTF_8);
    ClientWatch watch = StateSerdes.clientWatch().deserializer().deserialize("changelog", json);
    assertThat(watch.uses(100)).isEqualTo(3);
    assertThat(watch.uses(101)).isEqualTo(9);
    byte[] rewritten = StateSerdes.clientWatch().serializer().serialize("changelog", watch);
    ClientWatch reread =
        StateSerdes.clientWatch().deserializer().deserialize("changelog", rewritten);
    assertThat(reread.uses(101)).isEqualTo(9);
    assertThat(new String(rewritten, StandardCharsets.UTF_8)).doesNotContain("\"0\":{");
  }

  @Test
  void aCorruptValueIsASerializationError() {
    byte[] corrupt = {StateCodec.FORMAT, 0x7f, 0x7f, 0x7f, 0x7f};
    assertThatThrownBy(() -> StateSerdes.tokenWatch().deserializer().deserialize("c", corrupt))
        .isInstanceOf(SerializationException.class);
    assertThatThrownBy(() -> StateSerdes.useTally().deserializer().deserialize("c", corrupt))
        .isInstanceOf(SerializationException.class);
  }

  @Test
  void readsTheIncidentLedgerOfEarlierReleasesWhichKeptOnlyTheLatestFindingsTime() {
    byte[] legacy =
        org.apache.kafka.common.serialization.Serdes.Long().serializer().serialize("c", 1234L);

    io.tokenwatch.anomaly.Incident incident =
        StateSerdes.incident().deserializer().deserialize("c", legacy);
    byte[] rewritten = StateSerdes.incident().serializer().serialize("c", incident);
    io.tokenwatch.anomaly.Incident reread =
        StateSerdes.incident().deserializer().deserialize("c", rewritten);

    assertThat(incident.last()).isEqualTo(1234L);
    assertThat(incident.start()).isEqualTo(1234L);
    assertThat(reread.last()).isEqualTo(1234L);
    assertThat(reread.revision()).isZero();
    assertThat(reread.covers()).isEmpty();
  }
}
