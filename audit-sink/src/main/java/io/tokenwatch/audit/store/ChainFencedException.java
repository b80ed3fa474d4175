package io.tokenwatch.audit.store;

/**
 * A batch was refused because another sink sharing the store extended one of its chains (or stored
 * its consumer position) since this store read it: the partition moved to that sink in a rebalance.
 * Nothing of the batch was stored; the store has read every partition's state again, so the caller
 * seeks to the stored positions and goes on with the partitions it still owns.
 */
public final class ChainFencedException extends StoreException {
  private static final long serialVersionUID = 1L;

  public ChainFencedException(String message) {
    super(message);
  }

  public ChainFencedException(String message, Throwable cause) {
    super(message, cause);
  }
}
