package io.tokenwatch.cli;

import io.tokenwatch.revocation.app.RevocationStreamApp;
import io.tokenwatch.revocation.kafka.RevocationStreamConfig;
import io.tokenwatch.schemas.config.DeprecatedKeys;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import picocli.CommandLine.Command;

/** {@code tokenwatch revocation-stream}: the Kafka Streams app keeping revocation state. */
@Command(
    name = "revocation-stream",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the revocation stream: token registry, usage counters, max-use revocation, the"
          + " compacted revocation feed, and introspection over HTTP.",
      "Settings (see revocation-stream/README.md) come from --config, TOKENWATCH_* environment"
          + " variables and --set, in rising precedence. Run several instances with the same"
          + " application.id to share the work."
    })
final class RevocationStreamCommand extends ServiceCommand<RevocationStreamApp> {

  @Override
  ConfigDef configDef() {
    return RevocationStreamConfig.configDef();
  }

  @Override
  DeprecatedKeys deprecatedKeys() {
    return RevocationStreamConfig.deprecatedKeys();
  }

  @Override
  RevocationStreamApp start(Map<String, Object> settings) {
    return RevocationStreamApp.start(RevocationStreamConfig.of(settings));
  }

  @Override
  String kafkaClientPrefix() {
    return "streams.";
  }

  @Override
  String readyLine(RevocationStreamApp app) {
    return "introspection=http://localhost:" + app.httpPort() + "/introspect";
  }
}
