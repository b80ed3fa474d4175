package io.tokenwatch.schemas.registry;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenwatch.schemas.compat.CompatibilityLevel;
import io.tokenwatch.schemas.internal.BoundedCache;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.errors.InterruptException;
import org.jspecify.annotations.Nullable;

/**
 * {@link SchemaRegistryClient} over HTTP, speaking the Confluent Schema Registry REST API (also
 * served by Karapace and Apicurio's ccompat API).
 *
 * <p>Behaviour:
 *
 * <ul>
 *   <li>Schemas by id and ids by (subject, schema) are cached, bounded by {@link
 *       RegistrySettings#cacheCapacity()}: ids are immutable in the registry, so a serde makes no
 *       registry call once warm. {@link #getLatest}, {@link #subjects}, {@link #versions}, and the
 *       compatibility calls always ask the registry.
 *   <li>On a connection failure or timeout the next URL is tried, and the one that answered is used
 *       first from then on.
 *   <li>I/O failures (after every URL was tried) and 5xx responses are retried up to {@link
 *       RegistrySettings#maxRetries()} times with exponential backoff and jitter, then reported as
 *       {@link SchemaRegistryUnavailableException}. 4xx responses are never retried: they are
 *       reported at once as {@link SchemaRegistryException}.
 *   <li>Credentials are sent as HTTP basic auth; they never appear in an exception message or in
 *       {@code toString()}.
 * </ul>
 *
 * <p>Thread-safe. Backoff sleeps in the calling thread; an interrupt ends it with Kafka's {@link
 * InterruptException}.
 */
public final class HttpSchemaRegistryClient implements SchemaRegistryClient {

  /** The registry's media type, sent as {@code Content-Type} and preferred in {@code Accept}. */
  public static final String MEDIA_TYPE = "application/vnd.schemaregistry.v1+json";

  static final String ACCEPT =
      MEDIA_TYPE + ", application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int CLIP = 200;

  private record Endpoint(URI base, String display, @Nullable String authorization) {}

  private record SubjectSchema(String subject, Schema schema) {}

  private record Response(int status, String body) {}

  private final List<Endpoint> endpoints;
  private final HttpClient http;
  private final Duration requestTimeout;
  private final int maxRetries;
  private final Duration retryBackoff;
  private final AtomicInteger preferred = new AtomicInteger();
  private final BoundedCache<Integer, Schema> schemasById;
  private final BoundedCache<SubjectSchema, Integer> idsBySubjectSchema;
  private final BoundedCache<SubjectSchema, RegisteredSchema> lookups;

  /**
   * Creates a client. No request is made until a method is called.
   *
   * @throws IllegalArgumentException if the TLS stores cannot be loaded
   */
  public HttpSchemaRegistryClient(RegistrySettings settings) {
    requireNonNull(settings, "settings");
    List<Endpoint> eps = new ArrayList<>();
    for (URI url : settings.urls()) {
      eps.add(endpoint(url, settings));
    }
    this.endpoints = List.copyOf(eps);
    HttpClient.Builder builder =
        HttpClient.newBuilder()
            .connectTimeout(settings.connectTimeout())
            // No h2c upgrade dance: registries and the proxies in front of them speak HTTP/1.1.
            .version(HttpClient.Version.HTTP_1_1)
            // A redirect could carry the Authorization header to another host.
            .followRedirects(HttpClient.Redirect.NEVER);
    if (settings.tls() != null) {
      builder.sslContext(sslContext(settings.tls()));
    }
    this.http = builder.build();
    this.requestTimeout = settings.requestTimeout();
    this.maxRetries = settings.maxRetries();
    this.retryBackoff = settings.retryBackoff();
    this.schemasById = new BoundedCache<>(settings.cacheCapacity());
    this.idsBySubjectSchema = new BoundedCache<>(settings.cacheCapacity());
    this.lookups = new BoundedCache<>(settings.cacheCapacity());
  }

  @Override
  public int register(String subject, Schema schema) {
    requireNonNull(subject, "subject");
    requireNonNull(schema, "schema");
    SubjectSchema key = new SubjectSchema(subject, schema);
    Integer cached = idsBySubjectSchema.get(key);
    if (cached != null) {
      return cached;
    }
    String path = "/subjects/" + encode(subject) + "/versions";
    JsonNode body = call("POST", path, schemaBody(schema));
    int id = requiredInt(body, "id", "POST " + path);
    idsBySubjectSchema.put(key, id);
    schemasById.put(id, schema);
    return id;
  }

  @Override
  public Schema getById(int id) {
    Schema cached = schemasById.get(id);
    if (cached != null) {
      return cached;
    }
    String path = "/schemas/ids/" + id;
    JsonNode body = call("GET", path, null);
    Schema schema = schemaOf(body, "GET " + path);
    schemasById.put(id, schema);
    return schema;
  }

  @Override
  public RegisteredSchema getLatest(String subject) {
    requireNonNull(subject, "subject");
    String path = "/subjects/" + encode(subject) + "/versions/latest";
    return registered(call("GET", path, null), subject, "GET " + path);
  }

  @Override
  public RegisteredSchema lookup(String subject, Schema schema) {
    requireNonNull(subject, "subject");
    requireNonNull(schema, "schema");
    SubjectSchema key = new SubjectSchema(subject, schema);
    RegisteredSchema cached = lookups.get(key);
    if (cached != null) {
      return cached;
    }
    String path = "/subjects/" + encode(subject);
    RegisteredSchema found =
        registered(call("POST", path, schemaBody(schema)), subject, "POST " + path);
    lookups.put(key, found);
    idsBySubjectSchema.put(key, found.id());
    return found;
  }

  @Override
  public List<String> subjects() {
    JsonNode body = call("GET", "/subjects", null);
    List<String> subjects = new ArrayList<>();
    for (JsonNode node : array(body, "GET /subjects")) {
      subjects.add(node.asText());
    }
    return List.copyOf(subjects);
  }

  @Override
  public List<Integer> versions(String subject) {
    requireNonNull(subject, "subject");
    String path = "/subjects/" + encode(subject) + "/versions";
    List<Integer> versions = new ArrayList<>();
    for (JsonNode node : array(call("GET", path, null), "GET " + path)) {
      if (!node.canConvertToInt()) {
        throw unexpected("GET " + path, "a version is not an integer: " + clip(node.toString()));
      }
      versions.add(node.intValue());
    }
    return List.copyOf(versions);
  }

  @Override
  public CompatibilityResult testCompatibility(String subject, Schema schema) {
    requireNonNull(subject, "subject");
    requireNonNull(schema, "schema");
    String path = "/compatibility/subjects/" + encode(subject) + "/versions/latest?verbose=true";
    JsonNode body = call("POST", path, schemaBody(schema));
    JsonNode compatible = body.get("is_compatible");
    if (compatible == null || !compatible.isBoolean()) {
      throw unexpected("POST " + path, "no boolean is_compatible in " + clip(body.toString()));
    }
    List<String> messages = new ArrayList<>();
    JsonNode list = body.get("messages");
    if (list != null && list.isArray()) {
      list.forEach(m -> messages.add(m.asText()));
    }
    return new CompatibilityResult(compatible.booleanValue(), messages);
  }

  @Override
  public CompatibilityLevel globalCompatibility() {
    return level(call("GET", "/config", null), "GET /config");
  }

  @Override
  public void setGlobalCompatibility(CompatibilityLevel level) {
    requireNonNull(level, "level");
    call("PUT", "/config", levelBody(level));
  }

  @Override
  public Optional<CompatibilityLevel> subjectCompatibility(String subject) {
    requireNonNull(subject, "subject");
    String path = "/config/" + encode(subject);
    try {
      return Optional.of(level(call("GET", path, null), "GET " + path));
    } catch (SchemaRegistryException e) {
      // Registries answer 404 (40401 or 40408, by version) for "no subject-level setting".
      if (e.status() == 404) {
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  public void setSubjectCompatibility(String subject, CompatibilityLevel level) {
    requireNonNull(subject, "subject");
    requireNonNull(level, "level");
    call("PUT", "/config/" + encode(subject), levelBody(level));
  }

  @Override
  public String toString() {
    return "HttpSchemaRegistryClient"
        + endpoints.stream().map(Endpoint::display).toList().toString();
  }

  // ---- HTTP ----

  private JsonNode call(String method, String path, @Nullable ObjectNode requestBody) {
    String json = requestBody == null ? null : requestBody.toString();
    String what = method + " " + path;
    for (int attempt = 0; ; attempt++) {
      Response response;
      try {
        response = sendToFirstReachable(method, path, json);
      } catch (IOException e) {
        if (attempt >= maxRetries) {
          throw new SchemaRegistryUnavailableException(
              SchemaRegistryUnavailableException.NO_RESPONSE,
              what
                  + ": no schema registry reachable at "
                  + endpoints.stream().map(Endpoint::display).toList()
                  + " after "
                  + (attempt + 1)
                  + " attempt(s): "
                  + e,
              e);
        }
        backoff(attempt);
        continue;
      }
      int status = response.status();
      if (status >= 500) {
        if (attempt >= maxRetries) {
          throw new SchemaRegistryUnavailableException(
              status,
              what
                  + ": schema registry answered "
                  + status
                  + " after "
                  + (attempt + 1)
                  + " attempt(s): "
                  + errorDetail(response.body()),
              null);
        }
        backoff(attempt);
        continue;
      }
      if (status >= 200 && status < 300) {
        try {
          return JSON.readTree(response.body());
        } catch (JsonProcessingException e) {
          throw unexpected(
              what,
              "answered " + status + " with a body that is not JSON: " + clip(response.body()));
        }
      }
      throw refused(what, response);
    }
  }

  private Response sendToFirstReachable(String method, String path, @Nullable String json)
      throws IOException {
    int first = preferred.get();
    IOException failure = null;
    for (int i = 0; i < endpoints.size(); i++) {
      int index = (first + i) % endpoints.size();
      Endpoint endpoint = endpoints.get(index);
      try {
        HttpResponse<String> response =
            http.send(
                request(endpoint, method, path, json), HttpResponse.BodyHandlers.ofString(UTF_8));
        if (index != first) {
          preferred.compareAndSet(first, index);
        }
        return new Response(response.statusCode(), response.body());
      } catch (IOException e) {
        IOException described = new IOException(endpoint.display() + ": " + e, e);
        if (failure != null) {
          described.addSuppressed(failure);
        }
        failure = described;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptException(e);
      }
    }
    throw requireNonNull(failure, "no endpoint tried");
  }

  private HttpRequest request(
      Endpoint endpoint, String method, String path, @Nullable String json) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(URI.create(endpoint.base() + path))
            .timeout(requestTimeout)
            .header("Accept", ACCEPT);
    if (endpoint.authorization() != null) {
      builder.header("Authorization", endpoint.authorization());
    }
    if (json == null) {
      builder.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      builder
          .header("Content-Type", MEDIA_TYPE)
          .method(method, HttpRequest.BodyPublishers.ofString(json, UTF_8));
    }
    return builder.build();
  }

  private void backoff(int attempt) {
    long base = retryBackoff.toMillis();
    if (base == 0) {
      return;
    }
    long max = RegistrySettings.MAX_BACKOFF.toMillis();
    long delay = Math.min(max, base << Math.min(attempt, 20));
    // Jitter spreads the retries of many clients hitting a restarting registry.
    long jittered = delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
    try {
      Thread.sleep(jittered);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptException(e);
    }
  }

  // ---- bodies ----

  private static ObjectNode schemaBody(Schema schema) {
    // schemaType is omitted: AVRO is the default, and older registries reject the field.
    return JSON.createObjectNode().put("schema", schema.toString());
  }

  private static ObjectNode levelBody(CompatibilityLevel level) {
    return JSON.createObjectNode().put("compatibility", level.name());
  }

  private static SchemaRegistryException refused(String what, Response response) {
    int status = response.status();
    int code = SchemaRegistryException.NO_ERROR_CODE;
    String detail;
    try {
      JsonNode body = JSON.readTree(response.body());
      JsonNode errorCode = body == null ? null : body.get("error_code");
      JsonNode message = body == null ? null : body.get("message");
      if (errorCode != null && errorCode.canConvertToInt()) {
        code = errorCode.intValue();
      }
      detail =
          message != null && message.isTextual()
              ? message.textValue()
              : "body " + clip(response.body());
    } catch (JsonProcessingException e) {
      detail = "body is not JSON: " + clip(response.body());
    }
    String codeText =
        code == SchemaRegistryException.NO_ERROR_CODE ? "" : " (error code " + code + ")";
    return new SchemaRegistryException(
        status, code, what + " failed with HTTP " + status + codeText + ": " + detail);
  }

  private static String errorDetail(String body) {
    try {
      JsonNode node = JSON.readTree(body);
      JsonNode message = node == null ? null : node.get("message");
      if (message != null && message.isTextual()) {
        return message.textValue();
      }
    } catch (JsonProcessingException e) {
      // fall through: report the raw body
    }
    return "body " + clip(body);
  }

  private static SchemaRegistryException unexpected(String what, String detail) {
    return new SchemaRegistryException(
        200,
        SchemaRegistryException.NO_ERROR_CODE,
        SchemaRegistryException.Reason.UNEXPECTED_RESPONSE,
        what + ": unexpected response: " + detail);
  }

  private static int requiredInt(JsonNode body, String field, String what) {
    JsonNode node = body.get(field);
    if (node == null || !node.canConvertToInt()) {
      throw unexpected(what, "no integer " + field + " in " + clip(body.toString()));
    }
    return node.intValue();
  }

  private static Iterable<JsonNode> array(JsonNode body, String what) {
    if (!body.isArray()) {
      throw unexpected(what, "expected a JSON array, got " + clip(body.toString()));
    }
    return body;
  }

  private static Schema schemaOf(JsonNode body, String what) {
    JsonNode type = body.get("schemaType");
    if (type != null && !"AVRO".equals(type.asText())) {
      throw unexpected(what, "schema type is " + type.asText() + ", not AVRO");
    }
    JsonNode text = body.get("schema");
    if (text == null || !text.isTextual()) {
      throw unexpected(what, "no schema string in " + clip(body.toString()));
    }
    try {
      return new Schema.Parser().parse(text.textValue());
    } catch (SchemaParseException e) {
      throw unexpected(what, "schema does not parse: " + e.getMessage());
    }
  }

  private static RegisteredSchema registered(JsonNode body, String subject, String what) {
    JsonNode name = body.get("subject");
    return new RegisteredSchema(
        name != null && name.isTextual() ? name.textValue() : subject,
        requiredInt(body, "version", what),
        requiredInt(body, "id", what),
        schemaOf(body, what));
  }

  private static CompatibilityLevel level(JsonNode body, String what) {
    JsonNode node = body.get("compatibilityLevel");
    if (node == null) {
      // Some registries answer with the PUT field name.
      node = body.get("compatibility");
    }
    if (node == null || !node.isTextual()) {
      throw unexpected(what, "no compatibilityLevel in " + clip(body.toString()));
    }
    try {
      return CompatibilityLevel.valueOf(node.textValue().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw unexpected(what, "unknown compatibility level " + clip(node.textValue()));
    }
  }

  // ---- helpers ----

  /** Percent-encodes a subject as one path segment (spaces as %20, not '+'). */
  static String encode(String subject) {
    return URLEncoder.encode(subject, UTF_8).replace("+", "%20");
  }

  static String clip(String text) {
    String flat = text.replaceAll("\\s+", " ").strip();
    return flat.length() <= CLIP ? flat : flat.substring(0, CLIP) + "...";
  }

  /** The URL without user info, safe to show. */
  static String redact(URI url) {
    return stripUserInfo(url).toString();
  }

  private static URI stripUserInfo(URI url) {
    try {
      return new URI(
          url.getScheme(), null, url.getHost(), url.getPort(), url.getPath(), null, null);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("invalid registry URL", e);
    }
  }

  private static Endpoint endpoint(URI url, RegistrySettings settings) {
    URI stripped = stripUserInfo(url);
    String base = stripped.toString();
    while (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    String credentials =
        switch (settings.credentialsSource()) {
          case USER_INFO -> requireNonNull(settings.userInfo(), "userInfo").value();
          case URL -> url.getUserInfo();
        };
    String authorization =
        credentials == null || credentials.isEmpty()
            ? null
            : "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(UTF_8));
    return new Endpoint(URI.create(base), base, authorization);
  }

  private static SSLContext sslContext(RegistrySettings.Tls tls) {
    try {
      TrustManagerFactory trust = null;
      if (tls.truststoreLocation() != null) {
        KeyStore store =
            load(tls.truststoreLocation(), tls.truststorePassword(), tls.truststoreType());
        trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
      }
      KeyManagerFactory keys = null;
      if (tls.keystoreLocation() != null) {
        KeyStore store = load(tls.keystoreLocation(), tls.keystorePassword(), tls.keystoreType());
        Password keyPassword =
            tls.keyPassword() != null ? tls.keyPassword() : tls.keystorePassword();
        keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, chars(keyPassword));
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(
          keys == null ? null : keys.getKeyManagers(),
          trust == null ? null : trust.getTrustManagers(),
          null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      // The message names the failure, never a password.
      throw new IllegalArgumentException(
          "cannot set up TLS for the schema registry: "
              + e.getClass().getSimpleName()
              + ": "
              + e.getMessage(),
          e);
    }
  }

  private static KeyStore load(String location, @Nullable Password password, String type)
      throws GeneralSecurityException, IOException {
    KeyStore store = KeyStore.getInstance(type);
    try (InputStream in = Files.newInputStream(Path.of(location))) {
      store.load(in, chars(password));
    }
    return store;
  }

  private static char @Nullable [] chars(@Nullable Password password) {
    return password == null ? null : password.value().toCharArray();
  }
}
