package io.tokenwatch.cli;

import io.tokenwatch.schemas.config.DeprecatedKeys;
import io.tokenwatch.signals.app.SharedSignalsApp;
import io.tokenwatch.signals.app.SharedSignalsConfig;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import picocli.CommandLine.Command;

/** {@code tokenwatch shared-signals}: the OpenID Shared Signals transmitter and receiver. */
@Command(
    name = "shared-signals",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the Shared Signals service: an SSF transmitter that turns revocations into CAEP and"
          + " RISC Security Event Tokens for receivers outside Kafka (push, RFC 8935, or poll,"
          + " RFC 8936), and a receiver that turns an identity provider's session revocations"
          + " into revocation requests.",
      "Settings (see shared-signals/README.md) come from --config, TOKENWATCH_* environment"
          + " variables and --set, in rising precedence."
    })
final class SharedSignalsCommand extends ServiceCommand<SharedSignalsApp> {

  @Override
  ConfigDef configDef() {
    return SharedSignalsConfig.configDef();
  }

  @Override
  DeprecatedKeys deprecatedKeys() {
    return SharedSignalsConfig.deprecatedKeys();
  }

  @Override
  SharedSignalsApp start(Map<String, Object> settings) {
    return SharedSignalsApp.start(SharedSignalsConfig.of(settings));
  }

  @Override
  String kafkaClientPrefix() {
    return SharedSignalsConfig.KAFKA_PREFIX;
  }

  @Override
  String readyLine(SharedSignalsApp app) {
    return "metadata=http://localhost:" + app.httpPort() + "/.well-known/ssf-configuration";
  }
}
