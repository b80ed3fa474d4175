package io.tokenwatch.console;

import static java.util.Objects.requireNonNull;

import io.javalin.Javalin;
import io.javalin.http.HandlerType;
import io.tokenwatch.console.source.IssuerApi;
import io.tokenwatch.console.web.AccessSection;
import io.tokenwatch.console.web.Assets;
import io.tokenwatch.console.web.AuditSection;
import io.tokenwatch.console.web.ConsoleContext;
import io.tokenwatch.console.web.FleetSection;
import io.tokenwatch.console.web.GrantsSection;
import io.tokenwatch.console.web.OverviewSection;
import io.tokenwatch.console.web.RevokeSection;
import io.tokenwatch.console.web.Section;
import io.tokenwatch.console.web.TimelineSection;
import io.tokenwatch.console.web.Views;
import io.tokenwatch.people.PeopleGate;
import io.tokenwatch.people.PersonAssertions;
import io.tokenwatch.schemas.http.ErrorFormat;
import io.tokenwatch.schemas.http.ExactHeaders;
import io.tokenwatch.schemas.http.JsonErrors;
import io.tokenwatch.schemas.metrics.ServiceMeters;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console: server-rendered pages behind the people login (the same {@code people.*} settings as
 * the issuer, its own session cookie {@code tw_console_session}), live parts pushed by server-sent
 * events, actions at the issuer made as the person logged in. Also serves {@code /health} and
 * {@code /metrics}. Start with {@link #start}; close to stop. Thread-safe.
 */
public final class ConsoleServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ConsoleServer.class);

  /** Methods that change nothing, the only ones served without a CSRF check. */
  private static final Set<HandlerType> SAFE_METHODS =
      Set.of(HandlerType.GET, HandlerType.HEAD, HandlerType.OPTIONS);

  /** The stem of the console's cookie names: its sessions are not the issuer's. */
  static final String COOKIE_NAME = "tw_console";

  private final Javalin http;
  private final String url;
  private final Deque<AutoCloseable> resources;
  private final Deque<AutoCloseable> sections;

  private ConsoleServer(
      Javalin http, String url, Deque<AutoCloseable> resources, Deque<AutoCloseable> sections) {
    this.http = http;
    this.url = url;
    this.resources = resources;
    this.sections = sections;
  }

  /** Starts the console with the system clock. */
  public static ConsoleServer start(ConsoleConfig config) {
    return start(config, Clock.systemUTC());
  }

  /**
   * Starts the console: reads the users file, starts following its topics, binds its port.
   *
   * @throws UncheckedIOException when the users file or a secret file cannot be read
   */
  public static ConsoleServer start(ConsoleConfig config, Clock clock) {
    requireNonNull(config, "config");
    requireNonNull(clock, "clock");
    int port = config.httpPort() == 0 ? FreePort.find() : config.httpPort();
    String url = config.publicUrl().orElse("http://localhost:" + port);
    Deque<AutoCloseable> resources = new ArrayDeque<>();
    Deque<AutoCloseable> running = new ArrayDeque<>();
    try {
      ServiceMeters meters = ServiceMeters.create();
      resources.push(meters);
      PeopleGate people = PeopleGate.start(config.people(), url, clock, COOKIE_NAME);
      resources.push(people);
      PersonAssertions assertions =
          config.assertionSecretFile().isPresent()
              ? PersonAssertions.fromSecretFile(config.assertionSecretFile().get(), clock)
              : null;
      IssuerApi issuer = new IssuerApi(config.issuerUrl(), url, assertions);
      HttpSchemaRegistryClient registry =
          new HttpSchemaRegistryClient(config.serdeConfig().registrySettings());
      List<Section> sections = new ArrayList<>();
      Views views = new Views(people, () -> sections);
      ConsoleContext context =
          new ConsoleContext(
              config, people, views, clock, url, issuer, registry, meters.registry());
      sections.addAll(sections(context));
      for (Section section : sections) {
        running.push(section);
      }
      Javalin server =
          Javalin.create(
              javalin -> {
                javalin.startup.showJavalinBanner = false;
                javalin.startup.showOldJavalinVersionWarning = false;
                ExactHeaders.apply(javalin);
                javalin.jetty.host = config.httpHost();
                javalin.jetty.port = port;
                javalin.http.maxRequestSize = 65_536;
                JsonErrors.install(javalin, ErrorFormat.PROBLEM);
                javalin.routes.before(Views::securityHeaders);
                // Every state-changing request proves it comes from one of the console's own
                // pages (the session's CSRF token, the console's origin), whatever route it is
                // for: a route added later cannot forget the check.
                javalin.routes.before(
                    ctx -> {
                      if (!SAFE_METHODS.contains(ctx.method())) {
                        people.verifyCsrf(ctx);
                      }
                    });
                people.routes(javalin);
                new Assets().routes(javalin.routes);
                javalin.routes.get("/health", ctx -> ctx.json(java.util.Map.of("status", "UP")));
                javalin.routes.get(
                    "/metrics",
                    ctx ->
                        ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                            .result(meters.scrape()));
                for (Section section : sections) {
                  section.routes(javalin.routes);
                }
              });
      server.start();
      LOG.info(
          "Console {} serving on {}:{}; acting at the issuer {}",
          url,
          config.httpHost(),
          server.port(),
          issuer.enabled() ? "enabled" : "disabled (no assertion secret)");
      return new ConsoleServer(server, url, resources, running);
    } catch (IOException e) {
      closeAll(running);
      closeAll(resources);
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      closeAll(running);
      closeAll(resources);
      throw e;
    }
  }

  /** The console's pages, in navigation order. */
  private static List<Section> sections(ConsoleContext context) {
    FleetSection fleet = new FleetSection(context);
    return List.of(
        new OverviewSection(context),
        fleet,
        new GrantsSection(context),
        new TimelineSection(context),
        new RevokeSection(context, fleet.watch()),
        new AccessSection(context),
        new AuditSection(context));
  }

  /** The console's URL as browsers reach it. */
  public String url() {
    return url;
  }

  /** The port it listens on. */
  public int port() {
    return http.port();
  }

  @Override
  public void close() {
    // Sections first, while the server runs: their live connections (server-sent events) end
    // cleanly; closed after the server stopped, Jetty would spin on answers it cannot write.
    closeAll(sections);
    http.stop();
    closeAll(resources);
  }

  private static void closeAll(Deque<AutoCloseable> resources) {
    while (!resources.isEmpty()) {
      AutoCloseable resource = resources.pop();
      try {
        resource.close();
      } catch (Exception e) {
        LOG.warn("Closing {} failed: {}", resource.getClass().getSimpleName(), e.toString());
      }
    }
  }

  /** A free port, for a configured port of 0 (the public URL needs the port before binding). */
  static final class FreePort {
    private FreePort() {}

    static int find() {
      try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
        return socket.getLocalPort();
      } catch (IOException e) {
        throw new UncheckedIOException("no free port", e);
      }
    }
  }
}
