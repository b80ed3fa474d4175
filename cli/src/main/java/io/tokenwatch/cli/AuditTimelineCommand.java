package io.tokenwatch.cli;

import io.tokenwatch.audit.AuditFilter;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tokenwatch audit timeline}: one token's life. */
@Command(
    name = "timeline",
    mixinStandardHelpOptions = true,
    description = {
      "One token's life: issuance, uses and denials, alerts, the revocation requests"
          + " and revocations that cover it (id, lineage, grant, subject, client, audience,"
          + " within their issued_before watermark), and what people decided behind it: the"
          + " consent it was issued under and its withdrawal, each change of the access request"
          + " whose exception it was issued under, the policy changes that put its policy"
          + " version in force.",
      "With --subject instead: everything recorded about one subject (user), oldest first:"
          + " its tokens, uses, consents given and withdrawn."
    })
final class AuditTimelineCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin AuditSourceOptions source;

  @Option(names = "--token", description = "The token id (jti).")
  @Nullable String tokenId;

  @Option(names = "--subject", description = "A subject (user) instead of a token.")
  @Nullable String subject;

  @Option(names = "--limit", defaultValue = "1000", description = "At most this many events.")
  int limit = 1000;

  @Mixin AuditFormatOption output;

  @Override
  public Integer call() {
    String token = tokenId;
    String user = subject;
    if ((token == null) == (user == null)) {
      throw new IllegalArgumentException("give exactly one of --token and --subject");
    }
    if ((token != null && token.isBlank())
        || (user != null && user.isBlank())
        || limit < 1
        || limit > AuditFilter.MAX_LIMIT) {
      throw new IllegalArgumentException(
          "--token and --subject must not be empty; --limit 1 to 1000000");
    }
    if (token != null) {
      output.print(spec, source.source().timeline(token, limit), AuditOutput.EVENT_COLUMNS);
    } else {
      AuditFilters filters = new AuditFilters();
      filters.subject = user;
      output.print(spec, source.source().events(filters, limit), AuditOutput.EVENT_COLUMNS);
    }
    return 0;
  }
}
