package io.tokenwatch.cli;

import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Where the history is: the store file, or a running sink's API with {@code --url}. */
final class AuditSourceOptions {
  @Mixin AuditStoreOptions store;

  @Mixin TimeoutOption timeout;

  @Option(
      names = "--url",
      description = "Ask a running audit sink's HTTP API instead of reading the file.")
  @Nullable String url;

  @Option(
      names = "--access-token",
      defaultValue = "${env:TOKENWATCH_AUDIT_TOKEN}",
      description =
          "Access token for --url (audience urn:tokenwatch:audit, scope audit:read)."
              + " Default: $TOKENWATCH_AUDIT_TOKEN.")
  @Nullable String token;

  /** The API with {@code --url}, else the store file. */
  AuditSource source() {
    String api = url;
    return api != null ? new HttpAuditSource(api, token, timeout.timeout()) : store.local();
  }
}
