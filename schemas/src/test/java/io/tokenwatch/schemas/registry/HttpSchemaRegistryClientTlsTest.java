package io.tokenwatch.schemas.registry;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.apache.kafka.common.config.types.Password;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HttpSchemaRegistryClientTlsTest {
  private static final String STORE_PASSWORD = "store-S3cret";

  @TempDir static Path dir;
  private static Path keystore;
  private static HttpsServer server;

  @BeforeAll
  static void startHttpsServer() throws Exception {
    keystore = dir.resolve("registry.p12");
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "registry",
                "-keyalg",
                "EC",
                "-dname",
                "CN=localhost",
                "-ext",
                "san=ip:127.0.0.1,dns:localhost",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                keystore.toString(),
                "-storepass",
                STORE_PASSWORD)
            .redirectErrorStream(true)
            .start();
    String output = new String(keytool.getInputStream().readAllBytes(), UTF_8);
    assertThat(keytool.waitFor(1, TimeUnit.MINUTES)).isTrue();
    assertThat(keytool.exitValue()).as(output).isZero();

    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      store.load(in, STORE_PASSWORD.toCharArray());
    }
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(store, STORE_PASSWORD.toCharArray());
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys.getKeyManagers(), null, null);

    server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(context));
    server.createContext(
        "/",
        exchange -> {
          byte[] body = "[\"over-tls-value\"]".getBytes(UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
  }

  @AfterAll
  static void stopHttpsServer() {
    server.stop(0);
  }

  private static RegistrySettings settings() {
    return RegistrySettings.of(URI.create("https://127.0.0.1:" + server.getAddress().getPort()))
        .withRetries(0, Duration.ZERO);
  }

  private static RegistrySettings.Tls trust(Path store, String password) {
    return new RegistrySettings.Tls(
        store.toString(), new Password(password), "PKCS12", null, null, "JKS", null);
  }

  @Test
  void shouldTalkHttpsWithConfiguredTrustStore() {
    HttpSchemaRegistryClient client =
        new HttpSchemaRegistryClient(settings().withTls(trust(keystore, STORE_PASSWORD)));

    assertThat(client.subjects()).containsExactly("over-tls-value");
  }

  @Test
  void shouldReportUntrustedServerAsUnavailable() {
    HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(settings());

    assertThatThrownBy(client::subjects).isInstanceOf(SchemaRegistryUnavailableException.class);
  }

  @Test
  void shouldRejectWrongStorePasswordWithoutEchoingIt() throws IOException {
    assertThatThrownBy(
            () -> new HttpSchemaRegistryClient(settings().withTls(trust(keystore, "wrong-Pa55"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot set up TLS")
        .message()
        .doesNotContain("wrong-Pa55")
        .doesNotContain(STORE_PASSWORD);
  }
}
