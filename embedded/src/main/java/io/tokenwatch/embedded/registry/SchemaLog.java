package io.tokenwatch.embedded.registry;

import java.util.List;

/**
 * The durable log behind the registry: every change is appended, and replaying the log from the
 * start rebuilds the registry.
 *
 * <p>Implementations need not be thread-safe: the registry calls them under its own lock.
 */
interface SchemaLog extends AutoCloseable {

  /**
   * Reads every entry from the start of the log up to its current end, in order.
   *
   * @throws SchemaLogException if the log cannot be read
   */
  List<StoreRecord> replay();

  /**
   * Appends one entry and returns once it is durable.
   *
   * @throws SchemaLogException if the entry may not have been stored
   */
  void append(StoreRecord record);

  @Override
  void close();
}
