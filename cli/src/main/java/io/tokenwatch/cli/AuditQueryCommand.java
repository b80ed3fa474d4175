package io.tokenwatch.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import picocli.CommandLine.Command;

/** {@code tokenwatch audit query}: events matching the filters. */
@Command(
    name = "query",
    mixinStandardHelpOptions = true,
    description = "Events matching the filters, oldest first.")
final class AuditQueryCommand extends AuditListCommand {

  @Override
  List<ObjectNode> rows(AuditSource source, AuditFilters filters, int limit) {
    return source.events(filters, limit);
  }

  @Override
  List<AuditOutput.Column> columns() {
    return AuditOutput.EVENT_COLUMNS;
  }
}
