package io.tokenwatch.signals.http;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.router.JavalinDefaultRoutingApi;
import io.tokenwatch.signals.DeliveryMethod;
import io.tokenwatch.signals.stream.DefaultSubjects;
import java.util.function.Supplier;

/**
 * The transmitter's configuration metadata (SSF 1.0 section 7.1), served without authentication at
 * {@value #PATH}: spec version, issuer, the JWKS its SETs are verified with, the delivery methods
 * and the absolute URLs of the stream management endpoints. Thread-safe.
 */
public final class TransmitterMetadata {

  /** Where the metadata is served. */
  public static final String PATH = "/.well-known/ssf-configuration";

  private final String issuer;
  private final String jwksUri;
  private final DefaultSubjects defaultSubjects;
  private final Supplier<String> baseUrl;

  /**
   * @param issuer the {@code iss} of every SET the transmitter signs
   * @param jwksUri where the keys the SETs are signed with are published
   * @param defaultSubjects whether new streams carry every subject or none
   * @param baseUrl the service's base URL as receivers reach it, without a trailing slash
   */
  public TransmitterMetadata(
      String issuer, String jwksUri, DefaultSubjects defaultSubjects, Supplier<String> baseUrl) {
    this.issuer = requireNonNull(issuer, "issuer");
    this.jwksUri = requireNonNull(jwksUri, "jwksUri");
    this.defaultSubjects = requireNonNull(defaultSubjects, "defaultSubjects");
    this.baseUrl = requireNonNull(baseUrl, "baseUrl");
  }

  /** Adds the metadata route. */
  public void addRoutes(JavalinDefaultRoutingApi routes) {
    routes.get(PATH, this::serve);
  }

  /** The metadata document. */
  public ObjectNode document() {
    String base = baseUrl.get();
    ObjectNode json = JsonBodies.JSON.createObjectNode();
    json.put("spec_version", "1_0");
    json.put("issuer", issuer);
    json.put("jwks_uri", jwksUri);
    ArrayNode methods = json.putArray("delivery_methods_supported");
    for (DeliveryMethod method : DeliveryMethod.values()) {
      methods.add(method.uri());
    }
    json.put("configuration_endpoint", base + StreamManagementApi.STREAMS);
    json.put("status_endpoint", base + StreamManagementApi.STATUS);
    json.put("add_subject_endpoint", base + StreamManagementApi.ADD_SUBJECT);
    json.put("remove_subject_endpoint", base + StreamManagementApi.REMOVE_SUBJECT);
    json.put("verification_endpoint", base + StreamManagementApi.VERIFY);
    json.putArray("authorization_schemes").addObject().put("spec_urn", "urn:ietf:rfc:6749");
    json.put("default_subjects", defaultSubjects.name());
    return json;
  }

  private void serve(Context ctx) {
    ctx.header("Cache-Control", "max-age=300")
        .contentType("application/json")
        .result(document().toString());
  }
}
