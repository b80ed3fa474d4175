package io.tokenwatch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.tokenwatch.audit.store.KeyFiles;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tokenwatch audit verify}: every chain and checkpoint; exit code 1 when it fails. */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description = {
      "Recomputes every hash chain and checks every signed checkpoint; reports the first"
          + " altered, missing, inserted or reordered record of each chain and any forged"
          + " checkpoint, or that the history verifies, with counts.",
      "Exit code 0 when it verifies, 1 when it does not."
    })
final class AuditVerifyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin AuditSourceOptions source;

  @Option(
      names = "--public-key",
      description =
          "The checkpoint public key (DER); default <data-dir>/audit-sink/"
              + KeyFiles.PUBLIC_KEY
              + ". Keep a copy elsewhere: a key replaced along with the data proves nothing.")
  @Nullable Path publicKey;

  @Mixin ReportFormatOption output;

  @Option(names = "--threads", defaultValue = "2", description = "Chains verified at once.")
  int threads = 2;

  @Override
  public Integer call() {
    boolean json = output.isJson(spec);
    AuditSource.Verification verification = source.source().verify(publicKey, threads);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      output.printJson(spec, out, verification.json());
    } else if (verification instanceof AuditSource.Verification.Checked checked) {
      // verified here: the full description, and how fast
      out.println(checked.report().describe());
      out.printf(
          "verified in %.2f s (%.0f records/s)%n",
          checked.seconds(),
          checked.seconds() > 0 ? checked.report().records() / checked.seconds() : 0.0);
    } else {
      JsonNode report = verification.json();
      out.println(
          (verification.verifies() ? "history verifies: " : "history does NOT verify: ")
              + report.path("records").asLong()
              + " records, "
              + report.path("checkpoints").asLong()
              + " checkpoints");
      for (JsonNode finding : report.path("findings")) {
        out.println("  " + AuditOutput.printable(finding.path("detail").asText()));
      }
    }
    out.flush();
    return verification.verifies() ? 0 : 1;
  }
}
