package io.tokenwatch.cli;

import io.tokenwatch.issuer.server.IssuerConfig;
import io.tokenwatch.issuer.server.IssuerServer;
import io.tokenwatch.schemas.config.DeprecatedKeys;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import picocli.CommandLine.Command;

/** {@code tokenwatch issuer}: the token issuer's HTTP service. */
@Command(
    name = "issuer",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the issuer: policy-checked scoped tokens, delegation, rotating refresh tokens,"
          + " revocation API, JWKS; every decision a Kafka event.",
      "Settings (issuer.* keys, see issuer/README.md) come from --config, TOKENWATCH_*"
          + " environment variables and --set, in rising precedence."
    })
final class IssuerCommand extends ServiceCommand<IssuerServer> {

  @Override
  ConfigDef configDef() {
    return IssuerConfig.configDef();
  }

  @Override
  DeprecatedKeys deprecatedKeys() {
    return IssuerConfig.deprecatedKeys();
  }

  @Override
  IssuerServer start(Map<String, Object> settings) {
    return IssuerServer.start(IssuerConfig.of(settings));
  }

  @Override
  String kafkaClientPrefix() {
    return "kafka.";
  }

  @Override
  String readyLine(IssuerServer issuer) {
    return "url=" + issuer.issuerUrl() + " port=" + issuer.port();
  }
}
