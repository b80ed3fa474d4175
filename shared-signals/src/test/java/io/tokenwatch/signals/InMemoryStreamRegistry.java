package io.tokenwatch.signals;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link StreamRegistry} in a map, for tests of the parts that only read and update streams. */
public final class InMemoryStreamRegistry implements StreamRegistry {

  private final Map<String, SignalStream> streams = new ConcurrentHashMap<>();

  @Override
  public Optional<SignalStream> get(String streamId) {
    return Optional.ofNullable(streams.get(streamId));
  }

  @Override
  public Collection<SignalStream> all() {
    return List.copyOf(streams.values());
  }

  @Override
  public void put(SignalStream stream) {
    streams.put(stream.streamId(), stream);
  }

  @Override
  public void delete(String streamId) {
    streams.remove(streamId);
  }
}
