package io.tokenwatch.testing;

/** A {@link TestCluster} owned by the extension, stopped once when the test JVM is done. */
interface ManagedCluster extends TestCluster, AutoCloseable {
  @Override
  void close();
}
