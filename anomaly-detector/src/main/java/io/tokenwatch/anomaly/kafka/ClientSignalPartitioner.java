package io.tokenwatch.anomaly.kafka;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.StreamPartitioner;

/**
 * Places the client signals on {@value AnomalyTopology#CLIENT_SIGNALS_REPARTITION}: a signal about
 * a client on the partition of its key, as the producer's default partitioner would (murmur2 of the
 * key's bytes), so state written before this partitioner existed stays where its key is read; a
 * {@link ClientSignal.Progress} on every partition (KIP-837 multicast), since every task of the
 * per-client rules waits for every source.
 */
final class ClientSignalPartitioner implements StreamPartitioner<String, ClientSignal> {

  @Override
  public Optional<Set<Integer>> partitions(
      String topic, String key, ClientSignal value, int numPartitions) {
    if (value instanceof ClientSignal.Progress) {
      return Optional.of(
          IntStream.range(0, numPartitions).boxed().collect(Collectors.toUnmodifiableSet()));
    }
    return Optional.of(Set.of(partition(key, numPartitions)));
  }

  /** The default partitioner's choice for a keyed record. */
  static int partition(String key, int numPartitions) {
    return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % numPartitions;
  }
}
