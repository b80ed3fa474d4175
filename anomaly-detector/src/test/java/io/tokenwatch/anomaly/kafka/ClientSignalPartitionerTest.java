package io.tokenwatch.anomaly.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.anomaly.IssuanceRefusal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;

class ClientSignalPartitionerTest {

  private final ClientSignalPartitioner partitioner = new ClientSignalPartitioner();

  @Property(tries = 200)
  void shouldPlaceAClientsSignalByItsKeyAsTheProducerWouldAndProgressOnEveryPartition(
      @ForAll String client, @ForAll @IntRange(min = 1, max = 64) int partitions) {
    ClientSignal progress = new ClientSignal.Progress(0, ClientSignal.SourceKind.USE, 0);
    ClientSignal refused =
        new ClientSignal.Refused(
            new IssuanceRefusal(
                "e1",
                Instant.EPOCH,
                client,
                null,
                "SCOPE_NOT_APPROVED",
                "CLIENT_CREDENTIALS",
                List.of(),
                List.of(),
                null,
                null));
    int expected =
        BuiltInPartitioner.partitionForKey(client.getBytes(StandardCharsets.UTF_8), partitions);
    assertThat(partitioner.partitions("t", client, refused, partitions)).contains(Set.of(expected));
    assertThat(
            partitioner
                .partitions("t", ClientSignal.Progress.KEY, progress, partitions)
                .orElseThrow())
        .hasSize(partitions)
        .allSatisfy(p -> assertThat(p).isBetween(0, partitions - 1));
  }
}
