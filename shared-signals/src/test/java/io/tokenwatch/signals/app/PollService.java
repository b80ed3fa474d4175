package io.tokenwatch.signals.app;

import io.javalin.Javalin;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwatch.schemas.http.ErrorFormat;
import io.tokenwatch.schemas.http.JsonErrors;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.topic.TopicEnsurer;
import io.tokenwatch.signals.StreamRegistry;
import io.tokenwatch.signals.http.PollAuthentication;
import io.tokenwatch.signals.http.PollEndpoint;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Poll delivery alone behind a real HTTP server, wired as {@link SharedSignalsApp} wires it, with
 * the streams a test keeps and the receiver check it chooses.
 */
final class PollService implements AutoCloseable {

  private final Javalin http;
  private final Deque<AutoCloseable> resources;

  private PollService(Javalin http, Deque<AutoCloseable> resources) {
    this.http = http;
    this.resources = resources;
  }

  static PollService start(
      SharedSignalsConfig config, StreamRegistry streams, PollAuthentication receivers) {
    TopicEnsurer.ensureCatalogue(
        SharedSignalsApp.kafkaSettings(config),
        new HttpSchemaRegistryClient(config.serdeConfig().registrySettings()));
    Deque<AutoCloseable> resources = new ArrayDeque<>();
    PollEndpoint poll =
        PollWiring.start(config, streams, receivers, new SimpleMeterRegistry(), resources);
    Javalin http =
        Javalin.create(
            server -> {
              server.startup.showJavalinBanner = false;
              server.jetty.host = "127.0.0.1";
              server.jetty.port = 0;
              JsonErrors.install(server, ErrorFormat.PROBLEM);
              poll.configure(server);
            });
    http.start();
    resources.push(http::stop);
    return new PollService(http, resources);
  }

  int httpPort() {
    return http.port();
  }

  @Override
  public void close() {
    while (!resources.isEmpty()) {
      try {
        resources.pop().close();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
