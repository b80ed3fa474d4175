package io.tokenwatch.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import picocli.CommandLine.Command;

/** {@code tokenwatch audit grants}: grants with their state now. */
@Command(
    name = "grants",
    mixinStandardHelpOptions = true,
    description =
        "Who granted what to whom, when, why and under which policy version, with each"
            + " grant's state now (active, expired, revoked and why).")
final class AuditGrantsCommand extends AuditListCommand {

  @Override
  List<ObjectNode> rows(AuditSource source, AuditFilters filters, int limit) {
    return source.grants(filters, limit);
  }

  @Override
  List<AuditOutput.Column> columns() {
    return AuditOutput.GRANT_COLUMNS;
  }
}
