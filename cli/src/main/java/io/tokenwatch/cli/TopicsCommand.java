package io.tokenwatch.cli;

import io.tokenwatch.schemas.topic.TopicEnsurer;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.common.config.ConfigDef;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tokenwatch topics}: shows the topic catalogue, or makes a cluster match it. */
@Command(
    name = "topics",
    mixinStandardHelpOptions = true,
    description = {
      "Prints the topic catalogue (Markdown).",
      "With --ensure, creates missing topics, checks existing ones and registers the value"
          + " schemas on the cluster (embedded, or external with --bootstrap-servers and"
          + " --schema-registry-url). Kafka client settings (security.protocol, sasl.*, ssl.*)"
          + " and schema.registry.* settings come from --config, TOKENWATCH_* environment"
          + " variables and --set."
    })
final class TopicsCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin ClusterOptions clusterOptions;

  @Mixin SettingsOptions settings;

  @Option(names = "--ensure", description = "Create and check topics, register schemas.")
  boolean ensure;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (!ensure) {
      out.print(io.tokenwatch.schemas.topic.Topics.markdownTable());
      out.flush();
      return 0;
    }
    try (ClusterOptions.Cluster cluster = clusterOptions.open()) {
      TopicEnsurer.Report report =
          Topics.ensure(cluster, settings.resolve(new ConfigDef(), System.getenv(), Map.of()));
      out.printf("created: %s%n", report.created());
      out.printf("existing: %s%n", report.existing());
      report.schemaIds().forEach((subject, id) -> out.printf("schema %s: id %d%n", subject, id));
      out.flush();
    }
    return 0;
  }
}
