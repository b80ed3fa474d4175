package io.tokenwatch.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tokenwatch} command: entry point of every Tokenwatch process. */
@Command(
    name = "tokenwatch",
    mixinStandardHelpOptions = true,
    versionProvider = Tokenwatch.Version.class,
    description = "Event-driven revocation and audit pipeline for delegated access.",
    subcommands = {UpCommand.class, TopicsCommand.class, CommandLine.HelpCommand.class})
public final class Tokenwatch {

  private Tokenwatch() {}

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command line, ready to execute; tests drive it without exiting the JVM. */
  public static CommandLine commandLine() {
    return new CommandLine(new Tokenwatch()).setCaseInsensitiveEnumValuesAllowed(true);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Tokenwatch.class.getPackage().getImplementationVersion();
      return new String[] {"tokenwatch " + (version == null ? "development build" : version)};
    }
  }
}
