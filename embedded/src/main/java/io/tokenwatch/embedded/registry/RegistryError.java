package io.tokenwatch.embedded.registry;

/**
 * The errors the registry answers with: the HTTP status and Confluent's {@code error_code}, so that
 * Confluent's clients classify them as they would a Confluent registry's.
 */
enum RegistryError {
  MALFORMED_REQUEST(400, 400),
  UNAUTHORIZED(401, 401),
  NOT_FOUND(404, 404),
  SUBJECT_NOT_FOUND(404, 40401),
  VERSION_NOT_FOUND(404, 40402),
  SCHEMA_NOT_FOUND(404, 40403),
  SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED(404, 40408),
  INCOMPATIBLE_SCHEMA(409, 409),
  INVALID_SCHEMA(422, 42201),
  INVALID_VERSION(422, 42202),
  INVALID_COMPATIBILITY_LEVEL(422, 42203),
  UNSUPPORTED_OPERATION(422, 422),
  STORE_ERROR(500, 50001);

  private final int httpStatus;
  private final int errorCode;

  RegistryError(int httpStatus, int errorCode) {
    this.httpStatus = httpStatus;
    this.errorCode = errorCode;
  }

  int httpStatus() {
    return httpStatus;
  }

  int errorCode() {
    return errorCode;
  }
}
