package io.tokenwatch.audit.store;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Where the audit store lives: a DuckDB file (the default, one writer) or a PostgreSQL database
 * (shared by several sinks and read while they write).
 *
 * <p>A PostgreSQL store is named {@code postgresql://host[:port]/database[?user=name&...]}, the
 * PostgreSQL JDBC URL without its {@code jdbc:} prefix (which is accepted too). Every query
 * parameter is passed to the driver (e.g. {@code sslmode=require}) except {@code password}, which
 * is refused so that a password never sits in a command line, a configuration file or a log: it is
 * read from the environment variable {@value #PASSWORD_ENV} (the name libpq and psql read), else
 * from the file named by {@value #PASSWORD_FILE_ENV} (a Docker or Kubernetes secret). Its {@code
 * toString} never shows it.
 */
public sealed interface StoreLocation {

  /** Environment variable holding the PostgreSQL password. */
  String PASSWORD_ENV = "PGPASSWORD";

  /** Environment variable naming a file whose first line is the PostgreSQL password. */
  String PASSWORD_FILE_ENV = "PGPASSWORD_FILE";

  /**
   * A DuckDB database file.
   *
   * @param file the file
   */
  record DuckDbFile(Path file) implements StoreLocation {
    public DuckDbFile {
      requireNonNull(file, "file");
    }

    @Override
    public String toString() {
      return file.toString();
    }
  }

  /**
   * A PostgreSQL database.
   *
   * @param jdbcUrl the JDBC URL, without a password
   * @param password the password, or null to connect without one (trust, peer or a .pgpass file)
   */
  record Postgres(String jdbcUrl, @Nullable String password) implements StoreLocation {
    public Postgres {
      requireNonNull(jdbcUrl, "jdbcUrl");
      if (!jdbcUrl.startsWith("jdbc:postgresql://")) {
        throw new IllegalArgumentException("not a PostgreSQL JDBC URL: " + jdbcUrl);
      }
    }

    @Override
    public String toString() {
      return jdbcUrl.substring("jdbc:".length());
    }
  }

  /** Whether {@code value} names a PostgreSQL store rather than a file. */
  static boolean isPostgres(String value) {
    String lower = value.toLowerCase(Locale.ROOT);
    return lower.startsWith("postgresql://") || lower.startsWith("jdbc:postgresql://");
  }

  /**
   * Parses a store setting: a PostgreSQL URL, else a DuckDB file resolved against {@code dataDir}.
   *
   * @param env the environment, for the password
   * @throws IllegalArgumentException naming what is wrong: a malformed URL, no database, a password
   *     in the URL, an unreadable password file
   */
  static StoreLocation parse(String value, Path dataDir, Function<String, @Nullable String> env) {
    requireNonNull(value, "value");
    requireNonNull(dataDir, "dataDir");
    requireNonNull(env, "env");
    if (!isPostgres(value)) {
      if (value.isBlank()) {
        throw new IllegalArgumentException("the audit store is blank");
      }
      return new DuckDbFile(dataDir.resolve(value));
    }
    String url = value.regionMatches(true, 0, "jdbc:", 0, 5) ? value.substring(5) : value;
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not a valid PostgreSQL URL: " + e.getReason(), e);
    }
    if (uri.getHost() == null || uri.getHost().isBlank()) {
      throw new IllegalArgumentException(
          "a PostgreSQL store URL needs a host: postgresql://host/db");
    }
    String path = uri.getRawPath();
    if (path == null || path.length() < 2) {
      throw new IllegalArgumentException(
          "a PostgreSQL store URL needs a database: postgresql://host[:port]/database");
    }
    if (uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException(
          "put the user in ?user=...; the password goes in " + PASSWORD_ENV);
    }
    String query = uri.getRawQuery();
    if (query != null) {
      for (String parameter : query.split("&", -1)) {
        String name = parameter.split("=", 2)[0].toLowerCase(Locale.ROOT);
        if (name.equals("password")) {
          throw new IllegalArgumentException(
              "a password does not belong in the store URL; set "
                  + PASSWORD_ENV
                  + " or "
                  + PASSWORD_FILE_ENV);
        }
      }
    }
    return new Postgres(
        "jdbc:postgresql://" + url.substring("postgresql://".length()), password(env));
  }

  /** {@link #parse} with the process environment. */
  static StoreLocation parse(String value, Path dataDir) {
    Map<String, String> environment = System.getenv();
    return parse(value, dataDir, environment::get);
  }

  private static @Nullable String password(Function<String, @Nullable String> env) {
    String password = env.apply(PASSWORD_ENV);
    if (password != null && !password.isEmpty()) {
      return password;
    }
    String file = env.apply(PASSWORD_FILE_ENV);
    if (file == null || file.isEmpty()) {
      return null;
    }
    try {
      String text = Files.readString(Path.of(file), StandardCharsets.UTF_8);
      int end = text.indexOf('\n');
      return (end < 0 ? text : text.substring(0, end)).strip();
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          PASSWORD_FILE_ENV + " names a file that cannot be read: " + file, e);
    }
  }
}
