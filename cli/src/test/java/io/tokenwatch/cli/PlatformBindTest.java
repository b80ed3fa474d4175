package io.tokenwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.anomaly.kafka.AnomalyDetectorConfig;
import io.tokenwatch.audit.app.AuditSinkConfig;
import io.tokenwatch.issuer.server.IssuerConfig;
import io.tokenwatch.revocation.kafka.RevocationStreamConfig;
import io.tokenwatch.signals.app.SharedSignalsConfig;
import io.tokenwatch.validator.http.ValidatorConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * What {@code up} and {@code demo} bind their services to: loopback unless {@code --bind} says
 * otherwise, checked on the settings each service is given (nothing is started).
 */
class PlatformBindTest {

  private static final String SHA256 = "0".repeat(64);

  @TempDir Path dir;

  private PlatformServices.Wiring wiring(String bind) {
    return new PlatformServices.Wiring(
        Map.of(
            "bootstrap.servers", "localhost:9092", "schema.registry.url", "http://localhost:8081"),
        dir,
        bind,
        9400);
  }

  /** The address each of the five services would listen on under this wiring. */
  private List<String> boundHosts(PlatformServices.Wiring wiring) throws Exception {
    Path policy = Files.writeString(dir.resolve("policy.yaml"), "placeholder");
    return List.of(
        RevocationStreamConfig.of(wiring.revocationStream(0, SHA256)).httpHost(),
        AnomalyDetectorConfig.of(wiring.anomalyDetector(0, Map.of())).httpHost(),
        IssuerConfig.of(wiring.issuer(policy, dir.resolve("users.yaml"))).host(),
        ValidatorConfig.of(wiring.validator("v", 0)).sidecarSettings().host(),
        AuditSinkConfig.of(wiring.auditSink(0)).httpHost(),
        SharedSignalsConfig.of(wiring.sharedSignals(0, Map.of())).httpHost());
  }

  @Test
  void shouldGiveTheSharedSignalsServiceTheSettingsOfSignalsConfigOverUpsOwn() {
    PlatformServices.Wiring wiring = wiring(PlatformServices.DEFAULT_BIND);
    Map<String, Object> settings =
        wiring.sharedSignals(
            0,
            Map.of(
                "signals.receiver.issuer", "https://idp.example.com",
                "signals.streams.require-https", "true"));

    assertThat(settings)
        .containsEntry("signals.receiver.issuer", "https://idp.example.com")
        .containsEntry("signals.streams.require-https", "true")
        .containsEntry(SharedSignalsConfig.ISSUER, "http://localhost:9400")
        .containsEntry(SharedSignalsConfig.KEYS_DIR, dir.resolve("issuer").toString());
  }

  @Test
  void shouldBindEveryServiceUpStartsToLoopbackByDefault() throws Exception {
    PlatformServices.Wiring wiring = wiring(PlatformServices.DEFAULT_BIND);
    assertThat(boundHosts(wiring)).containsOnly("127.0.0.1");
    assertThat(wiring.issuerUrl()).isEqualTo("http://localhost:9400");
  }

  @Test
  void shouldBindEveryServiceToTheAddressGiven() throws Exception {
    PlatformServices.Wiring everywhere = wiring("0.0.0.0");
    assertThat(boundHosts(everywhere)).containsOnly("0.0.0.0");
    assertThat(everywhere.issuerUrl()).isEqualTo("http://localhost:9400");

    PlatformServices.Wiring one = wiring("192.0.2.10");
    assertThat(boundHosts(one)).containsOnly("192.0.2.10");
    // Services reach the issuer, and the operator every service, at that address.
    assertThat(one.issuerUrl()).isEqualTo("http://192.0.2.10:9400");
    ValidatorConfig validator = ValidatorConfig.of(one.validator("v", 0));
    assertThat(validator.jwksUrl().toString())
        .isEqualTo("http://192.0.2.10:9400/.well-known/jwks.json");
    assertThat(validator.sidecarSettings().trustedProxies().trusts("192.0.2.10")).isTrue();
    assertThat(validator.sidecarSettings().trustedProxies().trusts("192.0.2.11")).isFalse();

    assertThat(wiring("::1").urlHost()).isEqualTo("localhost");
    assertThat(wiring("2001:db8::5").urlHost()).isEqualTo("[2001:db8::5]");
  }

  @Test
  void shouldKeepSessionCookiesSecureExceptOverPlainHttpToANonLoopbackAddress() throws Exception {
    Path policy = Files.writeString(dir.resolve("policy.yaml"), "placeholder");
    Path users = dir.resolve("users.yaml");

    assertThat(IssuerConfig.of(wiring("127.0.0.1").issuer(policy, users)).people().cookieSecure())
        .isTrue();
    assertThat(IssuerConfig.of(wiring("0.0.0.0").issuer(policy, users)).people().cookieSecure())
        .isTrue();
    assertThat(IssuerConfig.of(wiring("192.0.2.10").issuer(policy, users)).people().cookieSecure())
        .isFalse();
    assertThat(IssuerConfig.of(wiring("127.0.0.1").issuer(policy, users)).people().usersFile())
        .hasValue(users);
  }

  /** Run alone, each service binds a loopback address too; the sidecar and audit sink did not. */
  @Test
  void shouldDefaultEveryServiceOwnBindSettingToLoopback() throws Exception {
    PlatformServices.Wiring wiring = wiring(PlatformServices.DEFAULT_BIND);
    Path policy = Files.writeString(dir.resolve("policy.yaml"), "placeholder");
    List<String> defaults =
        List.of(
            RevocationStreamConfig.of(
                    without(wiring.revocationStream(0, SHA256), RevocationStreamConfig.HTTP_HOST))
                .httpHost(),
            AnomalyDetectorConfig.of(
                    without(wiring.anomalyDetector(0, Map.of()), AnomalyDetectorConfig.HTTP_HOST))
                .httpHost(),
            IssuerConfig.of(
                    without(wiring.issuer(policy, dir.resolve("users.yaml")), IssuerConfig.HOST))
                .host(),
            ValidatorConfig.of(without(wiring.validator("v", 0), ValidatorConfig.HTTP_HOST))
                .sidecarSettings()
                .host(),
            AuditSinkConfig.of(without(wiring.auditSink(0), AuditSinkConfig.HTTP_HOST)).httpHost());
    for (String host : defaults) {
      assertThat(InetAddress.getByName(host).isLoopbackAddress()).as(host).isTrue();
    }
    assertThat(defaults.get(3)).isEqualTo("127.0.0.1");
    assertThat(defaults.get(4)).isEqualTo("127.0.0.1");
  }

  @Test
  void shouldTakeBindOnUpAndDemoWithLoopbackAsDefault() {
    CommandLine.ParseResult up = Tokenwatch.commandLine().parseArgs("up");
    assertThat(((UpCommand) up.subcommand().commandSpec().userObject()).bind)
        .isEqualTo("127.0.0.1");
    CommandLine.ParseResult demo = Tokenwatch.commandLine().parseArgs("demo", "--bind", "0.0.0.0");
    assertThat(((DemoCommand) demo.subcommand().commandSpec().userObject()).bind)
        .isEqualTo("0.0.0.0");
  }

  @Test
  void shouldRefuseABindThatIsNotAnAddressBeforeStartingAnything() {
    for (String command : List.of("up", "demo")) {
      CommandLine cli = Tokenwatch.commandLine();
      StringWriter err = new StringWriter();
      cli.setErr(new PrintWriter(err, true));

      int code = cli.execute(command, "--bind", "example.com");

      assertThat(code).as(command).isEqualTo(2);
      assertThat(err.toString()).contains("--bind must be an IP address or localhost");
    }
  }

  private static Map<String, Object> without(Map<String, Object> settings, String key) {
    Map<String, Object> copy = new LinkedHashMap<>(settings);
    copy.remove(key);
    return copy;
  }
}
