package io.tokenwatch.audit.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;

/**
 * The audit store on PostgreSQL: connecting, and the schema (the tables of {@link Schema} in
 * PostgreSQL types, plus the constraints that hold when several sinks write, plus the DuckDB
 * functions the shared queries call). Every sink applies it at start, under an advisory lock, so
 * two starting together do not race.
 */
final class PostgresSchema {

  /** Any fixed number: the advisory lock that serialises schema changes. */
  private static final long SCHEMA_LOCK = 0x746f6b656e77L;

  private PostgresSchema() {}

  static final List<String> DDL =
      List.of(
          """
          CREATE TABLE IF NOT EXISTS audit_events (
            event_id TEXT NOT NULL,
            event_type TEXT NOT NULL,
            occurred_at TIMESTAMP(3) NOT NULL,
            subject TEXT,
            client_id TEXT,
            token_id TEXT,
            grant_id TEXT,
            audience TEXT,
            grant_type TEXT,
            scope TEXT NOT NULL,
            decision TEXT,
            reason TEXT,
            policy_id TEXT,
            policy_version TEXT,
            actor TEXT,
            expires_at TIMESTAMP(3),
            source_topic TEXT NOT NULL,
            source_partition INTEGER NOT NULL,
            source_offset BIGINT NOT NULL,
            payload TEXT NOT NULL,
            chain_seq BIGINT NOT NULL,
            prev_hash BYTEA NOT NULL,
            hash BYTEA NOT NULL,
            event_key UUID NOT NULL,
            CONSTRAINT audit_events_event_key PRIMARY KEY (event_key),
            CONSTRAINT audit_events_chain_position
              UNIQUE (source_topic, source_partition, chain_seq)
          )""",
          "CREATE INDEX IF NOT EXISTS audit_events_token ON audit_events (token_id)",
          "CREATE INDEX IF NOT EXISTS audit_events_occurred ON audit_events (occurred_at)",
          """
          CREATE TABLE IF NOT EXISTS audit_partitions (
            source_topic TEXT NOT NULL,
            source_partition INTEGER NOT NULL,
            next_offset BIGINT NOT NULL,
            chain_length BIGINT NOT NULL,
            head_hash BYTEA NOT NULL,
            PRIMARY KEY (source_topic, source_partition)
          )""",
          """
          CREATE TABLE IF NOT EXISTS audit_checkpoints (
            number BIGINT NOT NULL PRIMARY KEY,
            created_at TIMESTAMP(3) NOT NULL,
            previous_digest TEXT NOT NULL,
            key_id TEXT NOT NULL,
            heads TEXT NOT NULL,
            records BIGINT NOT NULL,
            signature BYTEA NOT NULL
          )""");

  /**
   * DuckDB's functions that the shared queries call, with DuckDB's meaning (UTC timestamps, byte
   * lengths, JSON paths of the form {@code $.a.b}), plus the two the {@link Dialect} names.
   */
  static final List<String> FUNCTIONS =
      List.of(
          "CREATE OR REPLACE FUNCTION epoch_ms(t TIMESTAMP) RETURNS BIGINT LANGUAGE sql IMMUTABLE"
              + " STRICT PARALLEL SAFE AS $$ SELECT (extract(epoch FROM t) * 1000)::BIGINT $$",
          "CREATE OR REPLACE FUNCTION epoch_ms(ms BIGINT) RETURNS TIMESTAMP LANGUAGE sql IMMUTABLE"
              + " STRICT PARALLEL SAFE AS $$ SELECT TIMESTAMP '1970-01-01 00:00:00'"
              + " + ms * INTERVAL '1 millisecond' $$",
          "CREATE OR REPLACE FUNCTION strlen(s TEXT) RETURNS INTEGER LANGUAGE sql IMMUTABLE STRICT"
              + " PARALLEL SAFE AS $$ SELECT octet_length(s) $$",
          "CREATE OR REPLACE FUNCTION encode(s TEXT) RETURNS BYTEA LANGUAGE sql IMMUTABLE STRICT"
              + " PARALLEL SAFE AS $$ SELECT convert_to(s, 'UTF8') $$",
          "CREATE OR REPLACE FUNCTION json_extract_string(document TEXT, path TEXT) RETURNS TEXT"
              + " LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT document::jsonb #>>"
              + " string_to_array(substr(path, 3), '.') $$",
          "CREATE OR REPLACE FUNCTION string_split(s TEXT, separator TEXT) RETURNS TEXT[]"
              + " LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT string_to_array(s,"
              + " separator) $$",
          "CREATE OR REPLACE FUNCTION list_contains(list TEXT[], element TEXT) RETURNS BOOLEAN"
              + " LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT element = ANY(list) $$",
          "CREATE OR REPLACE FUNCTION try_bigint(s TEXT) RETURNS BIGINT LANGUAGE plpgsql IMMUTABLE"
              + " PARALLEL SAFE AS $$ BEGIN RETURN s::BIGINT; EXCEPTION WHEN others THEN RETURN"
              + " NULL; END $$",
          "CREATE OR REPLACE FUNCTION json_text_array(document TEXT, field TEXT) RETURNS TEXT[]"
              + " LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$ BEGIN RETURN coalesce(ARRAY("
              + "SELECT jsonb_array_elements_text(document::jsonb -> field)), ARRAY[]::TEXT[]);"
              + " EXCEPTION WHEN others THEN RETURN ARRAY[]::TEXT[]; END $$");

  /** Opens a connection to {@code location}. */
  static Connection connect(StoreLocation.Postgres location, boolean readOnly) {
    Properties properties = new Properties();
    String password = location.password();
    if (password != null) {
      properties.setProperty("password", password);
    }
    properties.setProperty("reWriteBatchedInserts", "true");
    properties.setProperty("ApplicationName", "tokenwatch-audit");
    // a fetch size streams large reads instead of holding them in memory (outside autocommit)
    properties.setProperty("defaultRowFetchSize", "2048");
    try {
      Connection connection = DriverManager.getConnection(location.jdbcUrl(), properties);
      if (readOnly) {
        connection.setReadOnly(true);
        connection.setAutoCommit(false);
      }
      return connection;
    } catch (SQLException e) {
      throw new StoreException(
          "cannot connect to the audit store " + location + ": " + e.getMessage(), e);
    }
  }

  /**
   * Creates what is missing, in one transaction under the schema lock.
   *
   * @throws StoreException if the schema cannot be created
   */
  static void apply(Connection connection) {
    try {
      connection.setAutoCommit(false);
      try (Statement statement = connection.createStatement()) {
        statement.execute("SELECT pg_advisory_xact_lock(" + SCHEMA_LOCK + ")");
        for (String ddl : DDL) {
          statement.execute(ddl);
        }
        for (String function : FUNCTIONS) {
          statement.execute(function);
        }
        connection.commit();
      } catch (SQLException e) {
        connection.rollback();
        throw e;
      } finally {
        connection.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw new StoreException("cannot create the audit schema: " + e.getMessage(), e);
    }
  }
}
