package io.tokenwatch.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code tokenwatch access ...}: access requests and their approvals, through a running issuer's
 * {@code /access-requests} API, as a person of its users file (HTTP Basic).
 */
@Command(
    name = "access",
    mixinStandardHelpOptions = true,
    description = {
      "Ask for access a client's policy does not grant, and approve, deny, review or cancel such"
          + " requests, on a running issuer.",
      "You act as --user; the password is read from $TOKENWATCH_PASSWORD or --password-file,"
          + " never from the command line."
    },
    subcommands = {
      AccessCommands.Request.class,
      AccessCommands.ListRequests.class,
      AccessCommands.Show.class,
      AccessCommands.Approve.class,
      AccessCommands.Deny.class,
      AccessCommands.Review.class,
      AccessCommands.Cancel.class
    })
final class AccessCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 0;
  }
}
