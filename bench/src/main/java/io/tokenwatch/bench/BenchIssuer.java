package io.tokenwatch.bench;

import io.tokenwatch.embedded.EmbeddedPlatform;
import io.tokenwatch.issuer.server.IssuerConfig;
import io.tokenwatch.issuer.server.IssuerServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * The issuer as the end-to-end harnesses start it on the embedded platform, and its clients'
 * credentials.
 */
public final class BenchIssuer {

  private BenchIssuer() {}

  /**
   * An issuer on a free port of localhost with {@code policy}, its data under {@code dataDir}.
   *
   * @param extra further settings (e.g. the signing algorithm), which win over these
   */
  public static IssuerConfig config(
      EmbeddedPlatform platform,
      Path policy,
      Path dataDir,
      String instanceId,
      Map<String, Object> extra) {
    Map<String, Object> config = new HashMap<>(platform.schemaRegistryClientSettings());
    config.put(IssuerConfig.ISSUER_URL, "http://localhost");
    config.put(IssuerConfig.PORT, "0");
    config.put(IssuerConfig.POLICY_FILE, policy.toString());
    config.put(IssuerConfig.DATA_DIR, dataDir.toString());
    config.put(IssuerConfig.INSTANCE_ID, instanceId);
    config.put(IssuerConfig.BOOTSTRAP_SERVERS, platform.bootstrapServers());
    config.putAll(extra);
    return IssuerConfig.of(config);
  }

  /**
   * Writes the issuer's sample policy (its clients and rules, as {@code up} uses) to {@code file}.
   */
  public static Path samplePolicy(Path file) throws IOException {
    try (InputStream sample = IssuerServer.class.getResourceAsStream("/sample-policy.yaml")) {
      if (sample == null) {
        throw new IllegalStateException("the issuer's sample-policy.yaml is not on the class path");
      }
      Files.write(file, sample.readAllBytes());
    }
    return file;
  }

  /** The {@code Authorization} header of HTTP basic authentication. */
  public static String basic(String client, String secret) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((client + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }
}
