package io.tokenwatch.cli;

import io.tokenwatch.embedded.registry.RegistryCredential;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * {@code --schema-registry-credential FILE}: the HTTP basic-auth credential a command's registry
 * client sends, read from a file so that it stays off the command line and out of the process list.
 * {@code tokenwatch up} writes the embedded registry's to {@code
 * <data-dir>/schema-registry.credential}.
 */
final class RegistryCredentialOption {

  static final String NAME = "--schema-registry-credential";

  @Option(
      names = NAME,
      paramLabel = "FILE",
      description =
          "File holding user:password for the schema registry's HTTP basic auth, which"
              + " registering schemas with a registry that protects changes needs (tokenwatch up"
              + " writes its own to <data-dir>/schema-registry.credential). Sets"
              + " basic.auth.credentials.source=USER_INFO and basic.auth.user.info.")
  @Nullable Path file;

  /** The registry client settings that send the credential; none when no file was named. */
  Map<String, Object> settings() {
    return file == null ? Map.of() : settings(file);
  }

  /**
   * The registry client settings that send the credential in {@code file}.
   *
   * @throws IllegalArgumentException if the file cannot be read or holds no {@code user:password};
   *     the message never contains the password
   */
  static Map<String, Object> settings(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + NAME + " " + file + ": " + e, e);
    }
    try {
      return RegistryCredential.parse(text).clientSettings();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(NAME + " " + file + ": " + e.getMessage(), e);
    }
  }
}
