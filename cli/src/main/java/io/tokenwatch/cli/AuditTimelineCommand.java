package io.tokenwatch.cli;

import io.tokenwatch.audit.AuditFilter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tokenwatch audit timeline}: one token's life. */
@Command(
    name = "timeline",
    mixinStandardHelpOptions = true,
    description =
        "One token's life: issuance, uses and denials, alerts, and the revocation requests"
            + " and revocations that cover it (id, lineage, grant, subject, client, audience,"
            + " within their issued_before watermark).")
final class AuditTimelineCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin AuditSourceOptions source;

  @Option(names = "--token", required = true, description = "The token id (jti).")
  String tokenId = "";

  @Option(names = "--limit", defaultValue = "1000", description = "At most this many events.")
  int limit = 1000;

  @Mixin AuditFormatOption output;

  @Override
  public Integer call() {
    if (tokenId.isBlank() || limit < 1 || limit > AuditFilter.MAX_LIMIT) {
      throw new IllegalArgumentException("--token must not be empty; --limit 1 to 1000000");
    }
    output.print(spec, source.source().timeline(tokenId, limit), AuditOutput.EVENT_COLUMNS);
    return 0;
  }
}
