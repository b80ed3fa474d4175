package io.tokenwatch.cli;

import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The entry point of the validator sidecar's container image: {@code tokenwatch validator} and
 * nothing else. {@link Tokenwatch} reflects over every subcommand, so it needs the broker, DuckDB
 * and RocksDB on the classpath; the sidecar's image carries only what the validator needs and
 * starts here instead, with the same arguments ({@code validator --bootstrap-servers ...}).
 */
@Command(
    name = "tokenwatch",
    mixinStandardHelpOptions = true,
    versionProvider = Tokenwatch.Version.class,
    description = "The Tokenwatch validator sidecar (the only command of this image).",
    subcommands = {ValidatorCommand.class, CommandLine.HelpCommand.class})
public final class SidecarImage {

  private SidecarImage() {}

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command line, ready to execute. */
  static CommandLine commandLine() {
    CommandLine commandLine =
        new CommandLine(new SidecarImage()).setCaseInsensitiveEnumValuesAllowed(true);
    commandLine.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          if (e instanceof ConfigException || e instanceof IllegalArgumentException) {
            cmd.getErr().println("tokenwatch " + cmd.getCommandName() + ": " + e.getMessage());
            return 2;
          }
          throw e;
        });
    return commandLine;
  }
}
