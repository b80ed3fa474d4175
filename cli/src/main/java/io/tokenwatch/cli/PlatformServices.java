package io.tokenwatch.cli;

import io.tokenwatch.anomaly.app.AnomalyDetectorApp;
import io.tokenwatch.anomaly.kafka.AnomalyDetectorConfig;
import io.tokenwatch.audit.app.AuditSinkApp;
import io.tokenwatch.audit.app.AuditSinkConfig;
import io.tokenwatch.console.ConsoleConfig;
import io.tokenwatch.console.ConsoleServer;
import io.tokenwatch.issuer.server.IssuerConfig;
import io.tokenwatch.issuer.server.IssuerServer;
import io.tokenwatch.people.PeopleConfig;
import io.tokenwatch.people.PersonAssertions;
import io.tokenwatch.revocation.app.RevocationStreamApp;
import io.tokenwatch.revocation.kafka.RevocationStreamConfig;
import io.tokenwatch.signals.app.SharedSignalsApp;
import io.tokenwatch.signals.app.SharedSignalsConfig;
import io.tokenwatch.validator.http.TrustedProxies;
import io.tokenwatch.validator.http.ValidatorConfig;
import io.tokenwatch.validator.http.ValidatorService;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The services {@code tokenwatch up} runs beside the cluster: the revocation stream, the anomaly
 * detector, the issuer with an editable copy of the sample policy, one validator sidecar for the
 * sample's orders audience, and the audit sink (store under {@code <data-dir>/audit-sink}). Every
 * one of them listens on the one bind address it is given, loopback unless told otherwise. State
 * lives under the data directory; closing stops them in reverse order.
 */
final class PlatformServices implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(PlatformServices.class);

  /** The audience of the sample policy the bundled validator sidecar protects. */
  static final String SAMPLE_AUDIENCE = "https://orders.example.com";

  /**
   * What the sample orders API requires, by method and path; a request matching none of these is
   * refused (deny by default).
   */
  static final String SAMPLE_ROUTES =
      "GET /orders/export -> orders:export, GET /orders/** -> orders:read,"
          + " POST|PUT|PATCH|DELETE /orders/** -> orders:write";

  /**
   * The sample policy's client the console reads the audit history as; its secret is the sample's
   * public one (see the issuer README), written to the data directory for the console.
   */
  static final String CONSOLE_CLIENT = "security-console";

  private static final String CONSOLE_CLIENT_SECRET =
      "demo-security-console-secret-not-for-prod-use";

  /** The file, in the data directory, of the secret the console signs person assertions with. */
  static final String ASSERTION_SECRET_FILE = "people-assertion.secret";

  /** What {@code up} binds every service to unless told otherwise: loopback only. */
  static final String DEFAULT_BIND = "127.0.0.1";

  /**
   * Every service {@code up} starts, with the component of {@link Ports} its HTTP server listens
   * on: {@code up}'s help names each one and its port option, and {@code up} checks each port
   * before anything starts.
   */
  enum Service {
    REVOCATION_STREAM("revocation stream", "introspection"),
    ANOMALY_DETECTOR("anomaly detector", "anomaly"),
    ISSUER("issuer", "issuer"),
    VALIDATOR("validator sidecar", "validator"),
    AUDIT_SINK("audit sink", "audit"),
    CONSOLE("console", "console"),
    SHARED_SIGNALS("Shared Signals service", "signals");

    private final String displayName;
    private final String port;

    Service(String displayName, String port) {
      this.displayName = displayName;
      this.port = port;
    }

    /** The service as the operator knows it, and as {@code up --help} names it. */
    String displayName() {
      return displayName;
    }

    /** The name of its component in {@link Ports}. */
    String port() {
      return port;
    }

    /** The option of {@code up} that sets its port. */
    String option() {
      return "--" + port + "-port";
    }
  }

  /** Ports of the services; 0 picks free ones. */
  record Ports(
      int issuer,
      int introspection,
      int validator,
      int anomaly,
      int audit,
      int console,
      int signals) {

    /** The port of {@code service}. */
    int of(Service service) {
      return switch (service) {
        case REVOCATION_STREAM -> introspection;
        case ANOMALY_DETECTOR -> anomaly;
        case ISSUER -> issuer;
        case VALIDATOR -> validator;
        case AUDIT_SINK -> audit;
        case CONSOLE -> console;
        case SHARED_SIGNALS -> signals;
      };
    }
  }

  /**
   * The settings {@code up} gives each service; building them starts nothing, so what each one
   * binds to can be checked on its own.
   *
   * @param clients the Kafka and schema registry settings every service shares
   * @param dataDir where state lives
   * @param bind the address every service's HTTP server listens on
   * @param issuerPort the issuer's port, already chosen (its URL is the tokens' issuer)
   */
  record Wiring(Map<String, Object> clients, Path dataDir, String bind, int issuerPort) {
    Wiring {
      clients = Map.copyOf(clients);
      if (!isAddress(bind)) {
        throw new IllegalArgumentException(
            "the bind address must be an IP address or localhost: " + bind);
      }
    }

    /**
     * The host in the URLs services and operators use: the bind address itself, or {@code
     * localhost} when that is loopback or every interface.
     */
    String urlHost() {
      return PlatformServices.urlHost(bind);
    }

    String issuerUrl() {
      return "http://" + urlHost() + ":" + issuerPort;
    }

    /**
     * The name under which {@code up}'s streams apps join their consumer groups as static members,
     * kept in the data directory: after a crash, the restarted apps take their partitions back at
     * once instead of waiting out the session timeout of the members that died (45 s by default).
     */
    String memberName() {
      Path file = dataDir.resolve("member.id");
      try {
        if (Files.exists(file)) {
          return Files.readString(file, StandardCharsets.UTF_8).strip();
        }
        String name = "tokenwatch-up-" + UUID.randomUUID();
        Files.createDirectories(file.getParent());
        Files.writeString(file, name + "\n", StandardCharsets.UTF_8);
        return name;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read or create " + file, e);
      }
    }

    Map<String, Object> revocationStream(int port, String secretSha256) {
      Map<String, Object> settings = new LinkedHashMap<>(clients);
      settings.put(
          RevocationStreamConfig.STREAMS_PREFIX + GROUP_INSTANCE_ID, memberName() + "-revocation");
      settings.put(
          RevocationStreamConfig.STATE_DIR, dataDir.resolve("revocation-stream").toString());
      settings.put(RevocationStreamConfig.HTTP_HOST, bind);
      settings.put(RevocationStreamConfig.HTTP_PORT, port);
      settings.put(RevocationStreamConfig.INTROSPECTION_SECRET_SHA256, secretSha256);
      return settings;
    }

    Map<String, Object> anomalyDetector(int port, Map<String, Object> detectorSettings) {
      Map<String, Object> settings = new LinkedHashMap<>(clients);
      settings.put(
          AnomalyDetectorConfig.STREAMS_PREFIX + GROUP_INSTANCE_ID, memberName() + "-anomaly");
      settings.put(AnomalyDetectorConfig.STATE_DIR, dataDir.resolve("anomaly-detector").toString());
      settings.put(AnomalyDetectorConfig.HTTP_HOST, bind);
      settings.put(AnomalyDetectorConfig.HTTP_PORT, port);
      settings.putAll(detectorSettings);
      return settings;
    }

    Map<String, Object> issuer(Path policy, Path users) {
      Map<String, Object> settings = new LinkedHashMap<>(clients);
      settings.put(PeopleConfig.USERS_FILE, users.toString());
      // The console acts here as the person logged in to it, with assertions signed by this secret.
      settings.put(
          PeopleConfig.ASSERTION_SECRET_FILE, dataDir.resolve(ASSERTION_SECRET_FILE).toString());
      // Browsers keep Secure cookies from http://localhost and loopback addresses only; served on
      // another address over plain HTTP, the session cookie must do without.
      settings.put(PeopleConfig.COOKIE_SECURE, urlHost().equals("localhost"));
      settings.put(IssuerConfig.ISSUER_URL, issuerUrl());
      settings.put(IssuerConfig.HOST, bind);
      settings.put(IssuerConfig.PORT, issuerPort);
      settings.put(IssuerConfig.POLICY_FILE, policy.toString());
      settings.put(IssuerConfig.DATA_DIR, dataDir.resolve("issuer").toString());
      return settings;
    }

    Map<String, Object> validator(String id, int port) {
      Map<String, Object> settings = new LinkedHashMap<>(clients);
      settings.put(ValidatorConfig.ISSUER, issuerUrl());
      settings.put(ValidatorConfig.AUDIENCE, SAMPLE_AUDIENCE);
      settings.put(ValidatorConfig.JWKS_URL, issuerUrl() + "/.well-known/jwks.json");
      settings.put(ValidatorConfig.HTTP_HOST, bind);
      settings.put(ValidatorConfig.HTTP_PORT, port);
      if (!urlHost().equals("localhost")) {
        // Bound to one address of this machine: a proxy here reaches the sidecar from it.
        settings.put(ValidatorConfig.HTTP_TRUSTED_PROXIES, TrustedProxies.LOOPBACK + "," + bind);
      }
      settings.put(ValidatorConfig.HTTP_ROUTES, SAMPLE_ROUTES);
      settings.put(ValidatorConfig.VALIDATOR_ID, id);
      return settings;
    }

    /**
     * The console: the same users file as the issuer, person assertions signed with {@code
     * assertionSecret} (which the issuer trusts), the audit API read as the sample's {@code
     * security-console} client.
     */
    Map<String, Object> console(
        int port, Path users, Path assertionSecret, Path clientSecret, String auditUrl) {
      Map<String, Object> settings = new LinkedHashMap<>(clients);
      settings.put(PeopleConfig.USERS_FILE, users.toString());
      settings.put(PeopleConfig.COOKIE_SECURE, urlHost().equals("localhost"));
      settings.put(ConsoleConfig.HTTP_HOST, bind);
      settings.put(ConsoleConfig.HTTP_PORT, port);
      settings.put(ConsoleConfig.PUBLIC_URL, "http://" + urlHost() + ":" + port);
      settings.put(ConsoleConfig.ISSUER_URL, issuerUrl());
      settings.put(ConsoleConfig.AUDIT_URL, auditUrl);
      settings.put(ConsoleConfig.ASSERTION_SECRET_FILE, assertionSecret.toString());
      settings.put(ConsoleConfig.CLIENT_ID, CONSOLE_CLIENT);
      settings.put(ConsoleConfig.CLIENT_SECRET_FILE, clientSecret.toString());
      return settings;
    }

    /**
     * The Shared Signals service: SETs signed with the issuer's keys (read from its data
     * directory), receivers' tokens from the issuer; on one machine, push receivers on this machine
     * over plain HTTP are allowed.
     */
    Map<String, Object> sharedSignals(int port, Map<String, Object> extra) {
      Map<String, Object> settings = new LinkedHashMap<>(clients);
      settings.put(SharedSignalsConfig.HTTP_HOST, bind);
      settings.put(SharedSignalsConfig.HTTP_PORT, port);
      settings.put(SharedSignalsConfig.PUBLIC_URL, "http://" + urlHost() + ":" + port);
      settings.put(SharedSignalsConfig.ISSUER, issuerUrl());
      settings.put(SharedSignalsConfig.KEYS_DIR, dataDir.resolve("issuer").toString());
      settings.put("signals.streams.require-https", false);
      settings.put("signals.streams.allow-private-endpoints", true);
      settings.putAll(extra);
      return settings;
    }

    Map<String, Object> auditSink(int port) {
      Map<String, Object> settings = new LinkedHashMap<>(clients);
      settings.put(AuditSinkConfig.DATA_DIR, dataDir.resolve("audit-sink").toString());
      settings.put(AuditSinkConfig.HTTP_HOST, bind);
      settings.put(AuditSinkConfig.HTTP_PORT, port);
      settings.put(AuditSinkConfig.API_ISSUER, issuerUrl());
      return settings;
    }
  }

  /**
   * The host in the URLs of services bound to {@code bind}: the address itself, or {@code
   * localhost} when it is loopback or every interface.
   */
  static String urlHost(String bind) {
    InetAddress address = address(bind);
    if (address.isLoopbackAddress() || address.isAnyLocalAddress()) {
      return "localhost";
    }
    return bind.contains(":") ? "[" + bind + "]" : bind;
  }

  /** Whether {@code text} is an IP literal or {@code localhost}: nothing that needs DNS. */
  static boolean isAddress(String text) {
    return text.equals("localhost")
        || text.matches("\\d{1,3}(\\.\\d{1,3}){3}")
        || (text.contains(":") && text.matches("[0-9A-Fa-f:.]+"));
  }

  private static InetAddress address(String bind) {
    try {
      return InetAddress.getByName(bind);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an address: " + bind, e);
    }
  }

  private static final String GROUP_INSTANCE_ID = "group.instance.id";

  private final Deque<AutoCloseable> started = new ArrayDeque<>();

  /** Each service's readiness: empty when ready, else why not. */
  private final Map<String, Supplier<Optional<String>>> readiness = new LinkedHashMap<>();

  private final Map<String, String> endpoints = new LinkedHashMap<>();
  private final List<ValidatorService> validators = new ArrayList<>();
  private @Nullable Wiring wiring;
  private String auditUrl = "";
  private String consoleUrl = "";
  private String signalsUrl = "";

  private PlatformServices() {}

  /**
   * Starts the services, the Shared Signals service with {@code signalsSettings} over its defaults
   * ({@code up --signals-config}).
   */
  static PlatformServices start(
      ClusterOptions.Cluster cluster,
      Path dataDir,
      Ports ports,
      String bind,
      Map<String, Object> signalsSettings) {
    return start(cluster, dataDir, ports, bind, Map.of(), signalsSettings, CONSOLE_CLIENT_SECRET);
  }

  /**
   * Starts the services.
   *
   * @param bind the address every service's HTTP server listens on
   * @param detectorSettings settings for the anomaly detector over the defaults (thresholds, say)
   * @param signalsSettings settings for the Shared Signals service over the defaults (an upstream
   *     transmitter to receive from, say)
   * @param consoleClientSecret the secret of the policy's {@value #CONSOLE_CLIENT} client, which
   *     the console reads the audit history as
   */
  static PlatformServices start(
      ClusterOptions.Cluster cluster,
      Path dataDir,
      Ports ports,
      String bind,
      Map<String, Object> detectorSettings,
      Map<String, Object> signalsSettings,
      String consoleClientSecret) {
    PlatformServices services = new PlatformServices();
    try {
      services.startAll(
          cluster, dataDir, ports, bind, detectorSettings, signalsSettings, consoleClientSecret);
      return services;
    } catch (RuntimeException e) {
      services.close();
      throw e;
    }
  }

  /** Name and URL of every endpoint, for the operator. */
  Map<String, String> endpoints() {
    return endpoints;
  }

  private void startAll(
      ClusterOptions.Cluster cluster,
      Path dataDir,
      Ports ports,
      String bind,
      Map<String, Object> detectorSettings,
      Map<String, Object> signalsSettings,
      String consoleClientSecret) {
    Map<String, Object> clients = new LinkedHashMap<>();
    clients.put("bootstrap.servers", cluster.bootstrapServers());
    // The registry's URL and, for the embedded one, the credential that registering schemas needs.
    clients.putAll(cluster.registryClientSettings());
    Wiring wiring =
        new Wiring(clients, dataDir, bind, ports.issuer() == 0 ? FreePort.find() : ports.issuer());
    this.wiring = wiring;
    String host = "http://" + wiring.urlHost() + ":";

    Path secretFile = dataDir.resolve("introspection.secret");
    String secret = secret(secretFile);
    RevocationStreamApp revocationStream =
        RevocationStreamApp.start(
            RevocationStreamConfig.of(
                wiring.revocationStream(ports.introspection(), sha256Hex(secret))));
    started.push(revocationStream);
    readiness.put(
        "revocation-stream",
        () ->
            revocationStream.isRunning()
                ? Optional.empty()
                : Optional.of("Kafka Streams is " + revocationStream.state()));
    endpoints.put(
        "introspection",
        host + revocationStream.httpPort() + "/introspect (bearer secret in " + secretFile + ")");

    AnomalyDetectorApp anomalyDetector =
        AnomalyDetectorApp.start(
            AnomalyDetectorConfig.of(wiring.anomalyDetector(ports.anomaly(), detectorSettings)));
    started.push(anomalyDetector);
    readiness.put(
        "anomaly-detector",
        () ->
            anomalyDetector.isRunning()
                ? Optional.empty()
                : Optional.of("Kafka Streams is " + anomalyDetector.state()));
    endpoints.put(
        "anomaly",
        host + anomalyDetector.httpPort() + "/ready (alerts on tokenwatch.security-alerts)");

    Path policy = samplePolicy(dataDir.resolve("policy.yaml"));
    Path users = DemoPeople.ensure(dataDir);
    Path assertionSecret = createAssertionSecret(dataDir.resolve(ASSERTION_SECRET_FILE));
    IssuerServer issuer = IssuerServer.start(IssuerConfig.of(wiring.issuer(policy, users)));
    started.push(issuer);
    endpoints.put("issuer", wiring.issuerUrl() + " (policy " + policy + ", hot-reloaded)");
    endpoints.put(
        "people",
        wiring.issuerUrl()
            + "/login (users "
            + users
            + "; demo passwords in "
            + dataDir.resolve(DemoPeople.PASSWORDS_FILE)
            + ")");

    ValidatorService validator = startValidator("up-orders-sidecar", ports.validator());
    endpoints.put("validator", host + validator.port() + " (audience " + SAMPLE_AUDIENCE + ")");
    AuditSinkApp audit =
        AuditSinkApp.start(AuditSinkConfig.of(wiring.auditSink(ports.audit())), checkpoint -> {});
    started.push(audit);
    readiness.put(
        "audit-sink",
        () ->
            audit.isReady()
                ? Optional.empty()
                : Optional.of("ingest has not stored its last batch"));
    auditUrl = host + audit.httpPort();
    endpoints.put(
        "audit",
        host
            + audit.httpPort()
            + "/api/v1 (store "
            + dataDir.resolve("audit-sink").resolve(AuditSinkConfig.DEFAULT_DB_FILE)
            + ")");
    Path clientSecret = ownerOnly(dataDir.resolve("console-client.secret"), consoleClientSecret);
    ConsoleServer console =
        ConsoleServer.start(
            ConsoleConfig.of(
                wiring.console(
                    ports.console() == 0 ? FreePort.find() : ports.console(),
                    users,
                    assertionSecret,
                    clientSecret,
                    auditUrl)));
    started.push(console);
    consoleUrl = console.url();
    endpoints.put(
        "console",
        console.url()
            + " (log in as admin, who holds every role, or as grace, a responder; passwords in "
            + dataDir.resolve(DemoPeople.PASSWORDS_FILE)
            + ")");
    SharedSignalsApp signals =
        SharedSignalsApp.start(
            SharedSignalsConfig.of(
                wiring.sharedSignals(
                    ports.signals() == 0 ? FreePort.find() : ports.signals(), signalsSettings)));
    started.push(signals);
    signalsUrl = host + signals.httpPort();
    readiness.put(
        "shared-signals",
        () ->
            signals.isReady()
                ? Optional.empty()
                : Optional.of("its streams and delivery have not caught up"));
    endpoints.put(
        "signals", host + signals.httpPort() + "/.well-known/ssf-configuration (SSF transmitter)");
    endpoints.put("metrics", wiring.issuerUrl() + "/metrics, and /metrics on each service above");
  }

  /**
   * Starts another validator sidecar for the sample audience, stopped with the rest.
   *
   * @param id the validator id its usage reports carry
   * @param port its port; 0 picks a free one
   */
  ValidatorService startValidator(String id, int port) {
    if (wiring == null) {
      throw new IllegalStateException("the platform services are not started");
    }
    ValidatorService validator =
        ValidatorService.start(ValidatorConfig.of(wiring.validator(id, port)));
    started.push(validator);
    validators.add(validator);
    readiness.put(
        "validator " + id,
        () ->
            validator.feed().isReady()
                ? Optional.empty()
                : Optional.of("its revocation feed has not caught up"));
    return validator;
  }

  /**
   * Waits until every service is ready (Kafka Streams running, feeds caught up, ingest storing).
   * The issuer is ready once started: it does not return before its own feed has caught up.
   *
   * @return the services still not ready when {@code timeout} ran out, each with why; empty when
   *     all are ready
   */
  Map<String, String> awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Map<String, String> notReady = new LinkedHashMap<>();
      readiness.forEach((name, check) -> check.get().ifPresent(why -> notReady.put(name, why)));
      if (notReady.isEmpty() || System.nanoTime() >= deadline) {
        return notReady;
      }
      TimeUnit.MILLISECONDS.sleep(100); // polling the services' own state, nothing to block on
    }
  }

  /** The base URL of a service on {@code port}, as the operator reaches it. */
  String url(int port) {
    return "http://" + (wiring == null ? "localhost" : wiring.urlHost()) + ":" + port;
  }

  /** The audit sink's HTTP API. */
  String auditUrl() {
    return auditUrl;
  }

  /** The Shared Signals service's base URL. */
  String signalsUrl() {
    return signalsUrl;
  }

  /** The console's URL. */
  String consoleUrl() {
    return consoleUrl;
  }

  /** The validator sidecars running, the one {@code up} starts first. */
  List<ValidatorService> validators() {
    return List.copyOf(validators);
  }

  /**
   * Stops every service, all at once, and returns when all have stopped. They do not need one
   * another to stop (each only needs the cluster, which outlives them): stopped one after the
   * other, their close times (Streams threads, HTTP servers, Kafka clients, around a second each)
   * added up to most of {@code up}'s shutdown.
   */
  @Override
  public void close() {
    List<Thread> stopping = new ArrayList<>();
    while (!started.isEmpty()) {
      AutoCloseable service = started.pop();
      Thread thread =
          new Thread(() -> closeOne(service), "stop-" + service.getClass().getSimpleName());
      thread.start();
      stopping.add(thread);
    }
    boolean interrupted = false;
    for (Thread thread : stopping) {
      // The cluster is closed next: never return before every service has stopped.
      while (thread.isAlive()) {
        try {
          thread.join();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeOne(AutoCloseable service) {
    long closing = System.nanoTime();
    try {
      service.close();
    } catch (Exception e) {
      log.warn("Closing {} failed: {}", service.getClass().getSimpleName(), e.toString());
    }
    // Where shutdown time goes, service by service.
    log.info(
        "Stopped {} in {} ms",
        service.getClass().getSimpleName(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closing));
  }

  /** The editable policy: the sample on first start, then whatever the operator made of it. */
  private static Path samplePolicy(Path file) {
    if (Files.exists(file)) {
      return file;
    }
    try (InputStream sample = IssuerServer.class.getResourceAsStream("/sample-policy.yaml")) {
      if (sample == null) {
        throw new IllegalStateException("the issuer's sample-policy.yaml is not on the classpath");
      }
      Files.createDirectories(file.getParent());
      Files.copy(sample, file);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the sample policy to " + file, e);
    }
  }

  private static Path createAssertionSecret(Path file) {
    try {
      return PersonAssertions.createSecretFile(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + file, e);
    }
  }

  /** {@code file} holding {@code secret}, owner-only. */
  private static Path ownerOnly(Path file, String secret) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, secret + "\n", StandardCharsets.UTF_8);
      try {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException notPosix) {
        // Not a POSIX file system: the directory's own permissions apply.
      }
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** The introspection secret of this data directory, created owner-only on first start. */
  private static String secret(Path file) {
    try {
      if (Files.exists(file)) {
        return Files.readString(file, StandardCharsets.UTF_8).strip();
      }
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      Files.createDirectories(file.getParent());
      Files.writeString(file, secret + "\n", StandardCharsets.UTF_8);
      try {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException notPosix) {
        // Not a POSIX file system: the directory's own permissions apply.
      }
      return secret;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create " + file, e);
    }
  }

  private static String sha256Hex(String secret) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
