package io.tokenwatch.embedded.registry;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.tokenwatch.schemas.compat.CompatibilityLevel;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps the Confluent Schema Registry REST subset onto {@link SchemaRegistryService}: routes, JSON
 * bodies, the registry media type and Confluent's error body {@code {"error_code", "message"}}.
 */
final class RegistryHttpApi {

  static final String MEDIA_TYPE = "application/vnd.schemaregistry.v1+json";

  private static final Logger LOG = LoggerFactory.getLogger(RegistryHttpApi.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SchemaRegistryService registry;

  RegistryHttpApi(SchemaRegistryService registry) {
    this.registry = requireNonNull(registry, "registry");
  }

  void configure(JavalinConfig config) {
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
    routes.delete("/subjects/{subject}", this::deleteSubject);
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
        "/config", ctx -> respond(ctx, updatedLevel(registry.setLevel(null, compatibility(ctx)))));
    routes.get("/config/{subject}", this::subjectConfig);
    routes.put(
        "/config/{subject}",
        ctx -> respond(ctx, updatedLevel(registry.setLevel(subject(ctx), compatibility(ctx)))));
    routes.delete(
        "/config/{subject}",
        ctx -> respond(ctx, levelBody(registry.deleteSubjectLevel(subject(ctx)))));

    routes.exception(
        RegistryException.class,
        (e, ctx) -> {
          if (e.error().httpStatus() >= 500) {
            LOG.error("Schema registry request {} {} failed", ctx.method(), ctx.path(), e);
          }
          error(ctx, e.error().httpStatus(), e.error().errorCode(), e.getMessage());
        });
    routes.exception(
        HttpResponseException.class,
        (e, ctx) -> error(ctx, e.getStatus(), e.getStatus(), e.getMessage()));
    routes.exception(
        Exception.class,
        (e, ctx) -> {
          LOG.error("Schema registry request {} {} failed", ctx.method(), ctx.path(), e);
          error(
              ctx,
              RegistryError.INTERNAL.httpStatus(),
              RegistryError.INTERNAL.errorCode(),
              "Internal server error");
        });
  }

  private void register(Context ctx) {
    JsonNode body = body(ctx);
    rejectReferences(body);
    int id = registry.register(subject(ctx), text(body, "schema"), text(body, "schemaType"));
    ObjectNode answer = JSON.createObjectNode();
    answer.put("id", id);
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
