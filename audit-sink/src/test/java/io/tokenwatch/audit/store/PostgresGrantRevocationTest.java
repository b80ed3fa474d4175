package io.tokenwatch.audit.store;

/** {@link GrantRevocationTest} on PostgreSQL: revocation coverage answered the same way. */
class PostgresGrantRevocationTest extends GrantRevocationTest {
  @Override
  StoreLocation newLocation() {
    return TestPostgres.shared().newDatabase();
  }
}
