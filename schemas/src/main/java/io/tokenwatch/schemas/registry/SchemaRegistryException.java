package io.tokenwatch.schemas.registry;

import static java.util.Objects.requireNonNull;

import org.apache.kafka.common.KafkaException;

/**
 * The schema registry refused a request: the request, not the registry's availability, is the
 * problem (an unknown subject, an incompatible schema, bad credentials, ...). Retrying the same
 * request will not help. Registry outages are reported as {@link
 * SchemaRegistryUnavailableException} instead.
 *
 * <p>Messages never contain credentials.
 */
public class SchemaRegistryException extends KafkaException {
  private static final long serialVersionUID = 1L;

  /** Error code absent from the response body. */
  public static final int NO_ERROR_CODE = -1;

  /** What went wrong, classified by HTTP status first and by the registry's error code second. */
  public enum Reason {
    /** 404 with error code 40401. */
    SUBJECT_NOT_FOUND,
    /** 404 with error code 40402. */
    VERSION_NOT_FOUND,
    /** 404 with error code 40403. */
    SCHEMA_NOT_FOUND,
    /** Any other 404. */
    NOT_FOUND,
    /** 409, or error code 40901: the schema breaks the subject's compatibility level. */
    INCOMPATIBLE,
    /** 422 with error code 42201. */
    INVALID_SCHEMA,
    /** 422 with error code 42203. */
    INVALID_COMPATIBILITY_LEVEL,
    /** Any other 422 (an invalid version, for example). */
    UNPROCESSABLE,
    /** 401: credentials missing or wrong. */
    AUTHENTICATION_FAILED,
    /** 403: credentials valid but not allowed to do this. */
    ACCESS_DENIED,
    /** Any other 4xx. */
    BAD_REQUEST,
    /** A response the client cannot use: an unexpected status, or a body it cannot read. */
    UNEXPECTED_RESPONSE;

    /**
     * Classifies a response.
     *
     * @param status the HTTP status
     * @param errorCode the body's {@code error_code}, or {@link #NO_ERROR_CODE}
     */
    public static Reason classify(int status, int errorCode) {
      return switch (status) {
        case 404 ->
            switch (errorCode) {
              case 40401 -> SUBJECT_NOT_FOUND;
              case 40402 -> VERSION_NOT_FOUND;
              case 40403 -> SCHEMA_NOT_FOUND;
              default -> NOT_FOUND;
            };
        case 409 -> INCOMPATIBLE;
        case 422 ->
            switch (errorCode) {
              case 42201 -> INVALID_SCHEMA;
              case 42203 -> INVALID_COMPATIBILITY_LEVEL;
              default -> UNPROCESSABLE;
            };
        case 401 -> AUTHENTICATION_FAILED;
        case 403 -> ACCESS_DENIED;
        default -> {
          if (errorCode == 40901 && status >= 400 && status < 500) {
            yield INCOMPATIBLE;
          }
          yield status >= 400 && status < 500 ? BAD_REQUEST : UNEXPECTED_RESPONSE;
        }
      };
    }
  }

  private final int status;
  private final int errorCode;
  private final Reason reason;

  /**
   * Creates an exception for a refused request.
   *
   * @param status the HTTP status
   * @param errorCode the registry's error code, or {@link #NO_ERROR_CODE}
   * @param message what was asked and what the registry said; must not contain credentials
   */
  public SchemaRegistryException(int status, int errorCode, String message) {
    this(status, errorCode, Reason.classify(status, errorCode), message);
  }

  /**
   * Creates an exception with an explicit reason, for responses that are well-formed HTTP but
   * unusable (a 200 whose body is not what the API promises).
   */
  public SchemaRegistryException(int status, int errorCode, Reason reason, String message) {
    super(requireNonNull(message, "message"));
    this.status = status;
    this.errorCode = errorCode;
    this.reason = requireNonNull(reason, "reason");
  }

  /** The HTTP status of the response. */
  public int status() {
    return status;
  }

  /** The registry's {@code error_code}, or {@link #NO_ERROR_CODE} when the body had none. */
  public int errorCode() {
    return errorCode;
  }

  /** The classification of this failure. */
  public Reason reason() {
    return reason;
  }
}
