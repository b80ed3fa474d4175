package io.tokenwatch.cli;

import io.tokenwatch.console.ConsoleConfig;
import io.tokenwatch.console.ConsoleServer;
import io.tokenwatch.schemas.config.DeprecatedKeys;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import picocli.CommandLine.Command;

/** {@code tokenwatch console}: the web console for security teams and analysts. */
@Command(
    name = "console",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the web console: live alerts, the validator fleet, grants and timelines, revocation,"
          + " approvals and policy, the audit chain; behind the people login (people.* settings,"
          + " as the issuer's).",
      "Settings (see console/README.md) come from --config, TOKENWATCH_* environment variables"
          + " and --set, in rising precedence."
    })
final class ConsoleCommand extends ServiceCommand<ConsoleServer> {

  @Override
  ConfigDef configDef() {
    return ConsoleConfig.configDef();
  }

  @Override
  DeprecatedKeys deprecatedKeys() {
    return ConsoleConfig.deprecatedKeys();
  }

  @Override
  ConsoleServer start(Map<String, Object> settings) {
    return ConsoleServer.start(ConsoleConfig.of(settings));
  }

  @Override
  String kafkaClientPrefix() {
    return ConsoleConfig.KAFKA_PREFIX;
  }

  @Override
  String readyLine(ConsoleServer console) {
    return "console=" + console.url();
  }
}
