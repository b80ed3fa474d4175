package io.tokenwatch.embedded.registry;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.tokenwatch.schemas.compat.CompatibilityLevel;
import io.tokenwatch.schemas.http.ErrorFormat;
import io.tokenwatch.schemas.http.JsonErrors;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps the Confluent Schema Registry REST subset onto {@link SchemaRegistryService}: routes, JSON
 * bodies, the registry media type and Confluent's error body {@code {"error_code", "message"}}, for
 * every refusal including those Jetty makes before routing.
 *
 * <p>Reads are open. Every change (a new version, deleting a subject, setting or deleting a
 * compatibility level) needs the writer's credential as HTTP basic auth, and is refused with 401
 * without it, or when no writer is configured. Registering a schema that is already a live version
 * of the subject changes nothing and answers its id without a credential, as a lookup would: a
 * client that only produces already-registered events (a validator reporting uses, say) keeps
 * working with no credential.
 */
final class RegistryHttpApi {

  static final String MEDIA_TYPE = "application/vnd.schemaregistry.v1+json";

  private static final Logger LOG = LoggerFactory.getLogger(RegistryHttpApi.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String CHALLENGE = "Basic realm=\"tokenwatch-schema-registry\"";

  private final SchemaRegistryService registry;
  private final @Nullable RegistryCredential writer;

  /**
   * @param writer the credential changes need, or null to refuse every change
   */
  RegistryHttpApi(SchemaRegistryService registry, @Nullable RegistryCredential writer) {
    this.registry = requireNonNull(registry, "registry");
    this.writer = writer;
  }

  void configure(JavalinConfig config) {
    JsonErrors.install(config, ErrorFormat.CONFLUENT);
    var routes = config.routes;
    routes.get("/", ctx -> respond(ctx, JSON.createObjectNode()));
    routes.get("/subjects", ctx -> respond(ctx, registry.subjects(flag(ctx, "deleted"))));
    routes.get(
        "/subjects/{subject}/versions",
        ctx -> respond(ctx, registry.versions(subject(ctx), flag(ctx, "deleted"))));
    routes.post("/subjects/{subject}/versions", this::register);
    routes.get(
        "/subjects/{subject}/versions/{version}",
        ctx ->
            respond(
                ctx,
                registered(
                    registry.version(
                        subject(ctx), ctx.pathParam("version"), flag(ctx, "deleted")))));
    routes.post("/subjects/{subject}", this::lookup);
    routes.delete("/subjects/{subject}", writing(this::deleteSubject));
    routes.get(
        "/schemas/ids/{id}",
        ctx -> {
          ObjectNode body = JSON.createObjectNode();
          body.put("schema", registry.schema(schemaId(ctx)));
          respond(ctx, body);
        });
    routes.get(
        "/schemas/ids/{id}/versions",
        ctx -> {
          ArrayNode body = JSON.createArrayNode();
          for (var use : registry.subjectVersions(schemaId(ctx))) {
            body.addObject().put("subject", use.subject()).put("version", use.version());
          }
          respond(ctx, body);
        });
    routes.get("/schemas/types", ctx -> respond(ctx, List.of("AVRO")));
    routes.post("/compatibility/subjects/{subject}/versions/{version}", this::testCompatibility);
    routes.get("/config", ctx -> respond(ctx, levelBody(registry.globalLevel())));
    routes.put(
        "/config",
        writing(ctx -> respond(ctx, updatedLevel(registry.setLevel(null, compatibility(ctx))))));
    routes.get("/config/{subject}", this::subjectConfig);
    routes.put(
        "/config/{subject}",
        writing(
            ctx ->
                respond(ctx, updatedLevel(registry.setLevel(subject(ctx), compatibility(ctx))))));
    routes.delete(
        "/config/{subject}",
        writing(ctx -> respond(ctx, levelBody(registry.deleteSubjectLevel(subject(ctx))))));

    routes.exception(
        RegistryException.class,
        (e, ctx) -> {
          if (e.error().httpStatus() >= 500) {
            LOG.error("Schema registry request {} {} failed", ctx.method(), ctx.path(), e);
          }
          error(
              ctx,
              e.error().httpStatus(),
              e.error().errorCode(),
              java.util.Objects.requireNonNullElse(e.getMessage(), e.error().name()));
        });
  }

  /** {@code handler} for callers holding the writer's credential; 401 for everyone else. */
  private Handler writing(Handler handler) {
    return ctx -> {
      if (!isWriter(ctx)) {
        throw unauthorized(ctx);
      }
      handler.handle(ctx);
    };
  }

  private boolean isWriter(Context ctx) {
    RegistryCredential expected = writer;
    String authorization = ctx.header("Authorization");
    if (expected == null
        || authorization == null
        || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
      return false;
    }
    try {
      byte[] decoded = Base64.getDecoder().decode(authorization.substring(6).strip());
      return expected.matches(new String(decoded, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException notBase64) {
      return false;
    }
  }

  private static RegistryException unauthorized(Context ctx) {
    // The route, not the request's own path: nothing a client sends goes into the log.
    LOG.info(
        "Refused a change without the write credential: {} {} from {}",
        ctx.method(),
        ctx.endpoint().path,
        ctx.ip());
    ctx.header("WWW-Authenticate", CHALLENGE);
    return new RegistryException(
        RegistryError.UNAUTHORIZED, "Changes to this schema registry need its write credential");
  }

  private void register(Context ctx) {
    if (!isWriter(ctx)) {
      alreadyRegisteredOrUnauthorized(ctx);
      return;
    }
    JsonNode body = body(ctx);
    rejectReferences(body);
    int id = registry.register(subject(ctx), text(body, "schema"), text(body, "schemaType"));
    ObjectNode answer = JSON.createObjectNode();
    answer.put("id", id);
    respond(ctx, answer);
  }

  /**
   * Answers an unauthenticated registration with the id of the schema when it is already a live
   * version of the subject, which changes nothing; refuses anything else with 401, whatever is
   * wrong with it, so that no more is learnt without the credential than a lookup tells.
   */
  private void alreadyRegisteredOrUnauthorized(Context ctx) {
    SchemaRegistryService.RegisteredSchema existing;
    try {
      JsonNode body = body(ctx);
      rejectReferences(body);
      existing =
          registry.lookup(subject(ctx), text(body, "schema"), text(body, "schemaType"), false);
    } catch (RegistryException notRegistered) {
      throw unauthorized(ctx);
    }
    ObjectNode answer = JSON.createObjectNode();
    answer.put("id", existing.id());
    respond(ctx, answer);
  }

  private void lookup(Context ctx) {
    JsonNode body = body(ctx);
    rejectReferences(body);
    respond(
        ctx,
        registered(
            registry.lookup(
                subject(ctx),
                text(body, "schema"),
                text(body, "schemaType"),
                flag(ctx, "deleted"))));
  }

  private void deleteSubject(Context ctx) {
    if (flag(ctx, "permanent")) {
      throw new RegistryException(
          RegistryError.UNSUPPORTED_OPERATION,
          "Permanent deletion is not supported by this registry; soft deletion is");
    }
    respond(ctx, registry.deleteSubject(subject(ctx)));
  }

  private void testCompatibility(Context ctx) {
    JsonNode body = body(ctx);
    rejectReferences(body);
    List<String> problems =
        registry.testCompatibility(
            subject(ctx), ctx.pathParam("version"), text(body, "schema"), text(body, "schemaType"));
    ObjectNode answer = JSON.createObjectNode();
    answer.put("is_compatible", problems.isEmpty());
    if (flag(ctx, "verbose")) {
      ArrayNode messages = answer.putArray("messages");
      problems.forEach(messages::add);
    }
    respond(ctx, answer);
  }

  private void subjectConfig(Context ctx) {
    String subject = subject(ctx);
    Optional<CompatibilityLevel> own = registry.subjectLevel(subject);
    if (own.isPresent()) {
      respond(ctx, levelBody(own.get()));
    } else if (flag(ctx, "defaultToGlobal")) {
      respond(ctx, levelBody(registry.globalLevel()));
    } else {
      throw SchemaRegistryService.subjectLevelNotConfigured(subject);
    }
  }

  private static ObjectNode registered(SchemaRegistryService.RegisteredSchema schema) {
    ObjectNode body = JSON.createObjectNode();
    body.put("subject", schema.subject());
    body.put("version", schema.version());
    body.put("id", schema.id());
    body.put("schema", schema.schema());
    return body;
  }

  private static ObjectNode levelBody(CompatibilityLevel level) {
    ObjectNode body = JSON.createObjectNode();
    body.put("compatibilityLevel", level.name());
    return body;
  }

  private static ObjectNode updatedLevel(CompatibilityLevel level) {
    ObjectNode body = JSON.createObjectNode();
    body.put("compatibility", level.name());
    return body;
  }

  private static @Nullable String compatibility(Context ctx) {
    return text(body(ctx), "compatibility");
  }

  private static String subject(Context ctx) {
    return ctx.pathParam("subject");
  }

  private static int schemaId(Context ctx) {
    String text = ctx.pathParam("id");
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new RegistryException(RegistryError.SCHEMA_NOT_FOUND, "Schema " + text + " not found");
    }
  }

  private static boolean flag(Context ctx, String name) {
    return Boolean.parseBoolean(ctx.queryParam(name));
  }

  /** Reads the body as JSON whatever its declared content type: clients differ there. */
  private static JsonNode body(Context ctx) {
    String text = ctx.body();
    try {
      JsonNode node = JSON.readTree(text);
      if (node == null || !node.isObject()) {
        throw new RegistryException(
            RegistryError.MALFORMED_REQUEST, "Request body must be a JSON object");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new RegistryException(
          RegistryError.MALFORMED_REQUEST, "Malformed JSON in the request body");
    }
  }

  private static @Nullable String text(JsonNode body, String field) {
    JsonNode value = body.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }

  private static void rejectReferences(JsonNode body) {
    JsonNode references = body.get("references");
    if (references != null && references.isArray() && !references.isEmpty()) {
      throw new RegistryException(
          RegistryError.INVALID_SCHEMA, "Schema references are not supported by this registry");
    }
  }

  private static void respond(Context ctx, Object body) {
    try {
      ctx.contentType(MEDIA_TYPE).result(JSON.writeValueAsString(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a registry response", e);
    }
  }

  private static void error(Context ctx, int status, int errorCode, String message) {
    ObjectNode body = JSON.createObjectNode();
    body.put("error_code", errorCode);
    body.put("message", message);
    ctx.status(status).contentType(MEDIA_TYPE).result(body.toString());
  }
}
