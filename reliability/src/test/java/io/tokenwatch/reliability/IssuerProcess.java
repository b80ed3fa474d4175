package io.tokenwatch.reliability;

import io.tokenwatch.issuer.server.IssuerConfig;
import io.tokenwatch.issuer.server.IssuerServer;
import java.util.Map;

/** The issuer as {@link ServiceProcess} starts apps: a static {@code start(Map)}. */
final class IssuerProcess implements AutoCloseable {

  private final IssuerServer server;

  private IssuerProcess(IssuerServer server) {
    this.server = server;
  }

  public static IssuerProcess start(Map<String, ?> settings) {
    return new IssuerProcess(IssuerServer.start(IssuerConfig.of(settings)));
  }

  @Override
  public void close() {
    server.close();
  }
}
