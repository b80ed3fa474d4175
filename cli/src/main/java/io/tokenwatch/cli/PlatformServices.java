package io.tokenwatch.cli;

import io.tokenwatch.anomaly.app.AnomalyDetectorApp;
import io.tokenwatch.anomaly.kafka.AnomalyDetectorConfig;
import io.tokenwatch.audit.app.AuditSinkApp;
import io.tokenwatch.audit.app.AuditSinkConfig;
import io.tokenwatch.issuer.server.IssuerConfig;
import io.tokenwatch.issuer.server.IssuerServer;
import io.tokenwatch.revocation.app.RevocationStreamApp;
import io.tokenwatch.revocation.kafka.RevocationStreamConfig;
import io.tokenwatch.validator.http.ValidatorConfig;
import io.tokenwatch.validator.http.ValidatorService;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The services {@code tokenwatch up} runs beside the cluster: the revocation stream, the anomaly
 * detector, the issuer with an editable copy of the sample policy, one validator sidecar for the
 * sample's orders audience, and the audit sink (store under {@code <data-dir>/audit-sink}). State
 * lives under the data directory; closing stops them in reverse order.
 */
final class PlatformServices implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(PlatformServices.class);

  /** The audience of the sample policy the bundled validator sidecar protects. */
  static final String SAMPLE_AUDIENCE = "https://orders.example.com";

  /** Ports of the services; 0 picks free ones. */
  record Ports(int issuer, int introspection, int validator, int anomaly, int audit) {}

  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private final Map<String, String> endpoints = new LinkedHashMap<>();
  private final List<ValidatorService> validators = new ArrayList<>();
  private Map<String, Object> clients = Map.of();
  private String issuerUrl = "";
  private String auditUrl = "";

  private PlatformServices() {}

  static PlatformServices start(ClusterOptions.Cluster cluster, Path dataDir, Ports ports) {
    return start(cluster, dataDir, ports, Map.of());
  }

  /**
   * Starts the services.
   *
   * @param detectorSettings settings for the anomaly detector over the defaults (thresholds, say)
   */
  static PlatformServices start(
      ClusterOptions.Cluster cluster,
      Path dataDir,
      Ports ports,
      Map<String, Object> detectorSettings) {
    PlatformServices services = new PlatformServices();
    try {
      services.startAll(cluster, dataDir, ports, detectorSettings);
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
      Map<String, Object> detectorSettings) {
    Map<String, Object> clients = new LinkedHashMap<>();
    clients.put("bootstrap.servers", cluster.bootstrapServers());
    // The registry's URL and, for the embedded one, the credential that registering schemas needs.
    clients.putAll(cluster.registryClientSettings());

    Path secretFile = dataDir.resolve("introspection.secret");
    String secret = secret(secretFile);
    Map<String, Object> stream = new LinkedHashMap<>(clients);
    stream.put(RevocationStreamConfig.STATE_DIR, dataDir.resolve("revocation-stream").toString());
    stream.put(RevocationStreamConfig.HTTP_PORT, ports.introspection());
    stream.put(RevocationStreamConfig.INTROSPECTION_SECRET_SHA256, sha256Hex(secret));
    RevocationStreamApp revocationStream =
        RevocationStreamApp.start(RevocationStreamConfig.of(stream));
    started.push(revocationStream);
    endpoints.put(
        "introspection",
        "http://localhost:"
            + revocationStream.httpPort()
            + "/introspect (bearer secret in "
            + secretFile
            + ")");

    Map<String, Object> detector = new LinkedHashMap<>(clients);
    detector.put(AnomalyDetectorConfig.STATE_DIR, dataDir.resolve("anomaly-detector").toString());
    detector.put(AnomalyDetectorConfig.HTTP_PORT, ports.anomaly());
    detector.putAll(detectorSettings);
    AnomalyDetectorApp anomalyDetector =
        AnomalyDetectorApp.start(AnomalyDetectorConfig.of(detector));
    started.push(anomalyDetector);
    endpoints.put(
        "anomaly",
        "http://localhost:"
            + anomalyDetector.httpPort()
            + "/ready (alerts on tokenwatch.security-alerts)");

    Path policy = samplePolicy(dataDir.resolve("policy.yaml"));
    int issuerPort = ports.issuer() == 0 ? FreePort.find() : ports.issuer();
    String issuerUrl = "http://localhost:" + issuerPort;
    Map<String, Object> issuerSettings = new LinkedHashMap<>(clients);
    issuerSettings.put(IssuerConfig.ISSUER_URL, issuerUrl);
    issuerSettings.put(IssuerConfig.PORT, issuerPort);
    issuerSettings.put(IssuerConfig.POLICY_FILE, policy.toString());
    issuerSettings.put(IssuerConfig.DATA_DIR, dataDir.resolve("issuer").toString());
    IssuerServer issuer = IssuerServer.start(IssuerConfig.of(issuerSettings));
    started.push(issuer);
    endpoints.put("issuer", issuerUrl + " (policy " + policy + ", hot-reloaded)");

    this.clients = clients;
    this.issuerUrl = issuerUrl;
    ValidatorService validator = startValidator("up-orders-sidecar", ports.validator());
    endpoints.put(
        "validator",
        "http://localhost:" + validator.port() + " (audience " + SAMPLE_AUDIENCE + ")");
    Map<String, Object> auditSettings = new LinkedHashMap<>(clients);
    auditSettings.put(AuditSinkConfig.DATA_DIR, dataDir.resolve("audit-sink").toString());
    auditSettings.put(AuditSinkConfig.HTTP_PORT, ports.audit());
    auditSettings.put(AuditSinkConfig.API_ISSUER, issuerUrl);
    AuditSinkApp audit = AuditSinkApp.start(AuditSinkConfig.of(auditSettings), checkpoint -> {});
    started.push(audit);
    auditUrl = "http://localhost:" + audit.httpPort();
    endpoints.put(
        "audit",
        "http://localhost:"
            + audit.httpPort()
            + "/api/v1 (store "
            + dataDir.resolve("audit-sink").resolve(AuditSinkConfig.DEFAULT_DB_FILE)
            + ")");
    endpoints.put("metrics", issuerUrl + "/metrics, and /metrics on each service above");
  }

  /**
   * Starts another validator sidecar for the sample audience, stopped with the rest.
   *
   * @param id the validator id its usage reports carry
   * @param port its port; 0 picks a free one
   */
  ValidatorService startValidator(String id, int port) {
    Map<String, Object> settings = new LinkedHashMap<>(clients);
    settings.put(ValidatorConfig.ISSUER, issuerUrl);
    settings.put(ValidatorConfig.AUDIENCE, SAMPLE_AUDIENCE);
    settings.put(ValidatorConfig.JWKS_URL, issuerUrl + "/.well-known/jwks.json");
    settings.put(ValidatorConfig.HTTP_PORT, port);
    settings.put(ValidatorConfig.HTTP_SCOPES, "/orders/export=orders:export,/orders=orders:read");
    settings.put(ValidatorConfig.VALIDATOR_ID, id);
    ValidatorService validator = ValidatorService.start(ValidatorConfig.of(settings));
    started.push(validator);
    validators.add(validator);
    return validator;
  }

  /** The audit sink's HTTP API. */
  String auditUrl() {
    return auditUrl;
  }

  /** The validator sidecars running, the one {@code up} starts first. */
  List<ValidatorService> validators() {
    return List.copyOf(validators);
  }

  @Override
  public void close() {
    while (!started.isEmpty()) {
      AutoCloseable service = started.pop();
      try {
        service.close();
      } catch (Exception e) {
        log.warn("Closing {} failed: {}", service.getClass().getSimpleName(), e.toString());
      }
    }
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
