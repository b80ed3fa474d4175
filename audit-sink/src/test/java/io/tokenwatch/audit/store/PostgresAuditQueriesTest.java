package io.tokenwatch.audit.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.audit.AuditFilter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * {@link AuditQueriesTest} on PostgreSQL: every question answered from a database the sinks share,
 * plus what differs there (exports written through an in-memory DuckDB copy).
 */
class PostgresAuditQueriesTest extends AuditQueriesTest {
  @Override
  StoreLocation newLocation() {
    return TestPostgres.shared().newDatabase();
  }

  @Test
  void shouldExportFromPostgresTheRowsAsStored() throws Exception {
    Path parquet = dir.resolve("pg.parquet");
    Path csv = dir.resolve("pg.csv");
    try (AuditStore reader = AuditStore.openReadOnly(location())) {
      Exporter exporter = new Exporter(reader);
      assertThat(exporter.export(AuditFilter.all(1), Exporter.target(parquet.toString(), false)))
          .isEqualTo(8);
      assertThat(exporter.export(AuditFilter.all(1), Exporter.target(csv.toString(), false)))
          .isEqualTo(8);
    }
    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = duck.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(*), count(DISTINCT hash), min(chain_seq) FROM read_parquet('"
                    + parquet
                    + "')")) {
      rs.next();
      assertThat(rs.getLong(1)).isEqualTo(8);
      assertThat(rs.getLong(2)).isEqualTo(8);
      assertThat(rs.getLong(3)).isZero();
    }
  }
}
