package io.tokenwatch.audit.store;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.jspecify.annotations.Nullable;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

/**
 * A real PostgreSQL server (zonky's embedded binaries) for a test class, and a fresh database per
 * store. Start it once per class: it takes a few seconds.
 *
 * <p>PostgreSQL refuses to run as root. When the build runs as root (a container), the server's
 * three programs are wrapped in scripts that run them as the {@code postgres} user, owning the data
 * directory; elsewhere the binaries run as they are.
 */
public final class TestPostgres implements AutoCloseable {

  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static final Set<String> WRAPPED = Set.of("bin/initdb", "bin/pg_ctl", "bin/postgres");

  private final EmbeddedPostgres server;

  private TestPostgres(EmbeddedPostgres server) {
    this.server = server;
  }

  private static @Nullable TestPostgres shared;

  /** One server for every test class of this JVM, stopped when the JVM exits. */
  public static synchronized TestPostgres shared() {
    TestPostgres server = shared;
    if (server == null) {
      server = start();
      shared = server;
    }
    return server;
  }

  /** Starts a server. */
  public static TestPostgres start() {
    try {
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
      if ("root".equals(System.getProperty("user.name"))) {
        builder.setPgBinaryResolver(new AsPostgresUser());
      }
      return new TestPostgres(builder.start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A new, empty database on this server, as a store location. */
  public StoreLocation.Postgres newDatabase() {
    String name = "audit_" + DATABASES.incrementAndGet();
    try (Connection connection = server.getPostgresDatabase().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return new StoreLocation.Postgres(
        "jdbc:postgresql://localhost:" + server.getPort() + "/" + name + "?user=postgres", null);
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The default binaries with initdb, pg_ctl and postgres run as the postgres user. */
  private static final class AsPostgresUser implements PgBinaryResolver {
    private static final String WRAPPER =
        """
        #!/bin/sh
        # PostgreSQL refuses to run as root: run it as the postgres user, owning its data directory
        real="$0.real"
        if [ "$(id -u)" = "0" ]; then
          previous=
          for argument in "$@"; do
            if [ "$previous" = "-D" ]; then chown -R postgres "$argument"; fi
            previous="$argument"
          done
          exec runuser -u postgres -- "$real" "$@"
        fi
        exec "$real" "$@"
        """;

    @Override
    public InputStream getPgBinary(String system, String machineHardware) throws IOException {
      // rewriting takes a while: done once per machine, kept beside zonky's own extraction
      Path cached =
          Path.of(System.getProperty("java.io.tmpdir"))
              .resolve("tokenwatch-pg-as-postgres-" + system + "-" + machineHardware + "-v1.txz");
      if (!Files.isRegularFile(cached)) {
        Path partial = Files.createTempFile(cached.getParent(), "tokenwatch-pg-", ".part");
        Files.write(partial, rewrite(system, machineHardware));
        Files.move(
            partial, cached, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      }
      return Files.newInputStream(cached);
    }

    private static byte[] rewrite(String system, String machineHardware) throws IOException {
      ByteArrayOutputStream rewritten = new ByteArrayOutputStream();
      try (InputStream original =
              DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(system, machineHardware);
          TarArchiveInputStream in =
              new TarArchiveInputStream(new XZCompressorInputStream(original));
          TarArchiveOutputStream out =
              new TarArchiveOutputStream(new XZOutputStream(rewritten, new LZMA2Options(0)))) {
        out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        TarArchiveEntry entry;
        while ((entry = in.getNextEntry()) != null) {
          String name =
              entry.getName().startsWith("./") ? entry.getName().substring(2) : entry.getName();
          if (WRAPPED.contains(name)) {
            byte[] program = in.readAllBytes();
            TarArchiveEntry real = new TarArchiveEntry(entry.getName() + ".real");
            real.setMode(0755);
            real.setSize(program.length);
            out.putArchiveEntry(real);
            out.write(program);
            out.closeArchiveEntry();
            byte[] script = WRAPPER.getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry wrapper = new TarArchiveEntry(entry.getName());
            wrapper.setMode(0755);
            wrapper.setSize(script.length);
            out.putArchiveEntry(wrapper);
            out.write(script);
            out.closeArchiveEntry();
          } else {
            out.putArchiveEntry(entry);
            if (!entry.isDirectory() && !entry.isSymbolicLink() && !entry.isLink()) {
              in.transferTo(out);
            }
            out.closeArchiveEntry();
          }
        }
      }
      return rewritten.toByteArray();
    }
  }
}
