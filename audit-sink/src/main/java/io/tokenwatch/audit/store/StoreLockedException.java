package io.tokenwatch.audit.store;

/**
 * The store file is held read-write by another process (a running audit sink): DuckDB allows one
 * writer process or several readers, not both. Query the running sink's HTTP API instead.
 */
public final class StoreLockedException extends StoreException {
  private static final long serialVersionUID = 1L;

  public StoreLockedException(String message, Throwable cause) {
    super(message, cause);
  }
}
