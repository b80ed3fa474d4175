package io.tokenwatch.embedded.registry;

/** Avro schemas for tests, evolving one record in the ways compatibility levels tell apart. */
final class TestSchemas {

  private TestSchemas() {}

  static String record(String fields) {
    return "{\"type\":\"record\",\"name\":\"TokenRevoked\",\"namespace\":\"io.tokenwatch.test\","
        + "\"fields\":["
        + fields
        + "]}";
  }

  static final String JTI = "{\"name\":\"jti\",\"type\":\"string\"}";
  static final String REASON_WITH_DEFAULT =
      "{\"name\":\"reason\",\"type\":\"string\",\"default\":\"unknown\"}";
  static final String ACTOR_WITHOUT_DEFAULT = "{\"name\":\"actor\",\"type\":\"string\"}";
  static final String SCOPE_WITH_DEFAULT =
      "{\"name\":\"scope\",\"type\":\"string\",\"default\":\"\"}";

  /** The first version: one required field. */
  static final String V1 = record(JTI);

  /** V1 plus a field with a default: compatible both ways. */
  static final String V1_PLUS_DEFAULTED = record(JTI + "," + REASON_WITH_DEFAULT);

  /** V1 plus a field without a default: forward compatible only. */
  static final String V1_PLUS_REQUIRED = record(JTI + "," + ACTOR_WITHOUT_DEFAULT);

  /** V1 without its required field: backward compatible only. */
  static final String V1_MINUS_REQUIRED = record(REASON_WITH_DEFAULT);

  /** V1 with {@code jti} changed to an int: compatible neither way. */
  static final String V1_RETYPED = record("{\"name\":\"jti\",\"type\":\"int\"}");
}
