package io.tokenwatch.cli;

import io.tokenwatch.audit.app.AuditSinkApp;
import io.tokenwatch.audit.app.AuditSinkConfig;
import io.tokenwatch.schemas.config.DeprecatedKeys;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import picocli.CommandLine.Command;

/** {@code tokenwatch audit-sink}: the consumer writing the tamper-evident audit store. */
@Command(
    name = "audit-sink",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the audit sink: stores every event exactly once in a DuckDB file, chains it per"
          + " source partition, signs checkpoints, and serves the read-only query API.",
      "Settings (see audit-sink/README.md) come from --config, TOKENWATCH_* environment"
          + " variables and --set, in rising precedence. One sink per store file."
    })
final class AuditSinkCommand extends ServiceCommand<AuditSinkApp> {

  @Override
  ConfigDef configDef() {
    return AuditSinkConfig.configDef();
  }

  @Override
  DeprecatedKeys deprecatedKeys() {
    return AuditSinkConfig.deprecatedKeys();
  }

  @Override
  AuditSinkApp start(Map<String, Object> settings) {
    return AuditSinkApp.start(AuditSinkConfig.of(settings), checkpoint -> {});
  }

  @Override
  String kafkaClientPrefix() {
    return "kafka.";
  }

  @Override
  String readyLine(AuditSinkApp app) {
    return "api=http://localhost:" + app.httpPort() + "/api/v1";
  }
}
