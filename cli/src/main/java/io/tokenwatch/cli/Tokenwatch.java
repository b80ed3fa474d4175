package io.tokenwatch.cli;

import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tokenwatch} command: entry point of every Tokenwatch process. */
@Command(
    name = "tokenwatch",
    mixinStandardHelpOptions = true,
    versionProvider = Tokenwatch.Version.class,
    description = "Event-driven revocation and audit pipeline for delegated access.",
    subcommands = {
      UpCommand.class,
      DemoCommand.class,
      IssuerCommand.class,
      ValidatorCommand.class,
      RevocationStreamCommand.class,
      AnomalyDetectorCommand.class,
      DetectCommand.class,
      AuditSinkCommand.class,
      ConsoleCommand.class,
      SharedSignalsCommand.class,
      AuditCommand.class,
      AccessCommand.class,
      RotateKeysCommand.class,
      UsersCommand.class,
      PolicyCommand.class,
      TopicsCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Tokenwatch {

  private Tokenwatch() {}

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    AuditReplayCommand.rawStdout = true;
    System.exit(commandLine().execute(args));
  }

  /** The command line, ready to execute; tests drive it without exiting the JVM. */
  public static CommandLine commandLine() {
    CommandLine commandLine =
        new CommandLine(new Tokenwatch()).setCaseInsensitiveEnumValuesAllowed(true);
    // Invalid settings are the user's input: say what is wrong, no stack trace, exit code 2.
    commandLine.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          if (e instanceof ConfigException || e instanceof IllegalArgumentException) {
            String message = String.valueOf(e.getMessage());
            CommandLine.Model.CommandSpec mixin = cmd.getCommandSpec().mixins().get("settings");
            if (mixin != null && mixin.userObject() instanceof SettingsOptions settings) {
              message = settings.withFileLines(message);
            }
            cmd.getErr().println("tokenwatch " + cmd.getCommandName() + ": " + message);
            return 2;
          }
          if (e instanceof AccessCommands.Unreachable) {
            cmd.getErr().println("tokenwatch " + cmd.getCommandName() + ": " + e.getMessage());
            return 1;
          }
          if (e instanceof io.tokenwatch.audit.kafka.ReplayFailure) {
            cmd.getErr().println("tokenwatch " + cmd.getCommandName() + ": " + e.getMessage());
            return 1;
          }
          if (e instanceof io.tokenwatch.audit.store.StoreException) {
            cmd.getErr().println("tokenwatch " + cmd.getCommandName() + ": " + e.getMessage());
            return 1;
          }
          throw e;
        });
    return commandLine;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Tokenwatch.class.getPackage().getImplementationVersion();
      return new String[] {"tokenwatch " + (version == null ? "development build" : version)};
    }
  }
}
