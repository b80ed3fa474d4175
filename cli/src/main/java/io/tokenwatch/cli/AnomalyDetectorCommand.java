package io.tokenwatch.cli;

import io.tokenwatch.anomaly.app.AnomalyDetectorApp;
import io.tokenwatch.anomaly.kafka.AnomalyDetectorConfig;
import io.tokenwatch.schemas.config.DeprecatedKeys;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import picocli.CommandLine.Command;

/** {@code tokenwatch anomaly-detector}: the Kafka Streams app raising security alerts. */
@Command(
    name = "anomaly-detector",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the anomaly detector: detection rules over issuance, use and revocation events,"
          + " evidence-carrying alerts on tokenwatch.security-alerts, optional automatic"
          + " revocation.",
      "Settings (see anomaly-detector/README.md) come from --config, TOKENWATCH_* environment"
          + " variables and --set, in rising precedence."
    })
final class AnomalyDetectorCommand extends ServiceCommand<AnomalyDetectorApp> {

  @Override
  ConfigDef configDef() {
    return AnomalyDetectorConfig.configDef();
  }

  @Override
  DeprecatedKeys deprecatedKeys() {
    return AnomalyDetectorConfig.deprecatedKeys();
  }

  @Override
  AnomalyDetectorApp start(Map<String, Object> settings) {
    return AnomalyDetectorApp.start(AnomalyDetectorConfig.of(settings));
  }

  @Override
  String kafkaClientPrefix() {
    return "streams.";
  }

  @Override
  String readyLine(AnomalyDetectorApp app) {
    return "health=http://localhost:" + app.httpPort() + "/ready";
  }
}
