package io.tokenwatch.audit.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreLocationTest {

  @TempDir Path dir;

  @Test
  void shouldMapAPostgresUrlToItsJdbcUrlWithThePasswordFromTheEnvironment() {
    StoreLocation location =
        StoreLocation.parse(
            "postgresql://db.example:5433/audit?user=sink&sslmode=require",
            dir,
            Map.of("PGPASSWORD", "s3cret")::get);

    assertThat(location)
        .isEqualTo(
            new StoreLocation.Postgres(
                "jdbc:postgresql://db.example:5433/audit?user=sink&sslmode=require", "s3cret"));
    assertThat(location.toString())
        .isEqualTo("postgresql://db.example:5433/audit?user=sink&sslmode=require")
        .doesNotContain("s3cret");
    assertThat(StoreLocation.parse("jdbc:postgresql://h/db", dir, name -> null))
        .isEqualTo(new StoreLocation.Postgres("jdbc:postgresql://h/db", null));
  }

  @Test
  void shouldReadThePasswordFromTheFileNamedInTheEnvironment() throws Exception {
    Path secret = Files.writeString(dir.resolve("secret"), "from-file\nignored\n");

    StoreLocation location =
        StoreLocation.parse(
            "postgresql://h/db", dir, Map.of("PGPASSWORD_FILE", secret.toString())::get);

    assertThat(((StoreLocation.Postgres) location).password()).isEqualTo("from-file");
  }

  @Test
  void shouldTakeAnythingElseAsADuckDbFileInTheDataDirectory() {
    assertThat(StoreLocation.parse("audit.duckdb", dir, name -> null))
        .isEqualTo(new StoreLocation.DuckDbFile(dir.resolve("audit.duckdb")));
  }

  @Test
  void shouldRefuseAPasswordInTheUrlAndUrlsWithoutHostOrDatabase() {
    assertThatThrownBy(
            () -> StoreLocation.parse("postgresql://h/db?user=a&password=x", dir, n -> null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PGPASSWORD")
        .hasMessageNotContaining("=x");
    assertThatThrownBy(() -> StoreLocation.parse("postgresql://a:x@h/db", dir, n -> null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("a:x");
    assertThatThrownBy(() -> StoreLocation.parse("postgresql://h/", dir, n -> null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("database");
    assertThatThrownBy(() -> StoreLocation.parse("postgresql:///db", dir, n -> null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("host");
    assertThatThrownBy(
            () ->
                StoreLocation.parse(
                    "postgresql://h/db", dir, Map.of("PGPASSWORD_FILE", "/nonexistent/x")::get))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PGPASSWORD_FILE");
  }
}
