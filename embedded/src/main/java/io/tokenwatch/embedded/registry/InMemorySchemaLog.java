package io.tokenwatch.embedded.registry;

import java.util.ArrayList;
import java.util.List;

/**
 * A log that lives only in memory: for tests, and for a registry that need not outlive its process.
 * Two registries opened on the same instance one after the other behave like a restart.
 */
final class InMemorySchemaLog implements SchemaLog {

  private final List<StoreRecord> entries = new ArrayList<>();
  private volatile boolean failing;

  @Override
  public synchronized List<StoreRecord> replay() {
    return List.copyOf(entries);
  }

  @Override
  public synchronized void append(StoreRecord record) {
    if (failing) {
      throw new SchemaLogException("log unavailable", new IllegalStateException("failing"));
    }
    entries.add(record);
  }

  /** Makes every later append fail, to exercise the registry's store-error path. */
  void failAppends() {
    failing = true;
  }

  @Override
  public void close() {}
}
