package io.tokenwatch.embedded.registry;

import static java.util.Objects.requireNonNull;

import io.javalin.Javalin;
import io.tokenwatch.schemas.http.ExactHeaders;
import org.jspecify.annotations.Nullable;

/**
 * A schema registry speaking the subset of the Confluent Schema Registry REST API that Avro
 * serializers and deserializers use (subjects, versions, global ids, compatibility and its
 * configuration), so that Confluent's own clients and every Tokenwatch component can point {@code
 * schema.registry.url} at it.
 *
 * <p>Durable when built with {@link Builder#bootstrapServers}: every change is stored in the
 * compacted topic {@value KafkaSchemaLog#DEFAULT_TOPIC} before it is answered, and {@link #start()}
 * rebuilds the registry from that topic, so ids, versions and levels survive restarts. Without
 * bootstrap servers it keeps everything in memory.
 *
 * <p>Reads are open; changes (a new version, deleting a subject, a compatibility level) need the
 * credential given to {@link Builder#writeCredential} as HTTP basic auth, and are refused with 401
 * when it is missing or wrong. A registry built without one refuses every change. Registering a
 * schema that is already a live version of the subject changes nothing and needs no credential.
 *
 * <p>Avro only; schema references and permanent deletion are not supported. One registry process
 * per topic: ids are allocated inside the process.
 *
 * <p>Thread-safe. {@link #start()} once, then {@link #close()}.
 */
public final class EmbeddedSchemaRegistry implements AutoCloseable {

  private final @Nullable String bootstrapServers;
  private final String topic;
  private final int requestedPort;
  private final @Nullable RegistryCredential writeCredential;
  private final SchemaLogFactory logFactory;

  private @Nullable SchemaLog log;
  private @Nullable Javalin server;

  /** Opens the log the registry lives in; a seam for tests. */
  @FunctionalInterface
  interface SchemaLogFactory {
    SchemaLog open();
  }

  private EmbeddedSchemaRegistry(Builder builder) {
    this.bootstrapServers = builder.bootstrapServers;
    this.topic = builder.topic;
    this.requestedPort = builder.port;
    this.writeCredential = builder.writeCredential;
    String servers = builder.bootstrapServers;
    this.logFactory =
        builder.logFactory != null
            ? builder.logFactory
            : servers == null
                ? InMemorySchemaLog::new
                : () -> new KafkaSchemaLog(servers, builder.topic);
  }

  /** Starts building a registry; by default in memory, on a free port. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Opens the log, rebuilds the registry from it and starts serving HTTP.
   *
   * @return this, started
   * @throws IllegalStateException if already started
   * @throws RuntimeException if the log cannot be opened or read, or the port is taken; nothing is
   *     left running then
   */
  public synchronized EmbeddedSchemaRegistry start() {
    if (log != null) {
      throw new IllegalStateException("schema registry already started");
    }
    SchemaLog opened = logFactory.open();
    try {
      RegistryHttpApi api = new RegistryHttpApi(new SchemaRegistryService(opened), writeCredential);
      Javalin created =
          Javalin.create(
              config -> {
                config.startup.showJavalinBanner = false;
                config.startup.showOldJavalinVersionWarning = false;
                ExactHeaders.apply(config);
                config.jetty.host = "localhost";
                config.jetty.port = requestedPort;
                api.configure(config);
              });
      created.start();
      this.server = created;
      this.log = opened;
      return this;
    } catch (RuntimeException e) {
      opened.close();
      throw e;
    }
  }

  /**
   * The base URL clients use as {@code schema.registry.url}, such as {@code http://localhost:8081}.
   *
   * @throws IllegalStateException if not started
   */
  public String url() {
    return "http://localhost:" + port();
  }

  /**
   * The port served on: the one asked for, or the free one chosen when 0 was asked for.
   *
   * @throws IllegalStateException if not started
   */
  public synchronized int port() {
    Javalin running = server;
    if (running == null) {
      throw new IllegalStateException("schema registry not started");
    }
    return running.port();
  }

  /** The Kafka cluster the registry stores its log in, or null when it keeps it in memory. */
  public @Nullable String bootstrapServers() {
    return bootstrapServers;
  }

  /** The topic the registry stores its log in when Kafka-backed. */
  public String topic() {
    return topic;
  }

  /** Stops serving and closes the log. Idempotent. */
  @Override
  public synchronized void close() {
    Javalin running = server;
    SchemaLog opened = log;
    server = null;
    log = null;
    try {
      if (running != null) {
        running.stop();
      }
    } finally {
      if (opened != null) {
        opened.close();
      }
    }
  }

  /** Builds an {@link EmbeddedSchemaRegistry}. Not thread-safe. */
  public static final class Builder {
    private @Nullable String bootstrapServers;
    private String topic = KafkaSchemaLog.DEFAULT_TOPIC;
    private int port;
    private @Nullable RegistryCredential writeCredential;
    private @Nullable SchemaLogFactory logFactory;

    private Builder() {}

    /** Stores the registry in the Kafka cluster at {@code bootstrapServers}. */
    public Builder bootstrapServers(String bootstrapServers) {
      this.bootstrapServers = requireNonNull(bootstrapServers, "bootstrapServers");
      return this;
    }

    /**
     * The topic to store the registry in; {@value KafkaSchemaLog#DEFAULT_TOPIC} by default. Never
     * {@code _schemas}, which a Confluent registry on the same cluster would own.
     */
    public Builder topic(String topic) {
      requireNonNull(topic, "topic");
      if (topic.isBlank() || "_schemas".equals(topic)) {
        throw new IllegalArgumentException("topic must be a name of its own: '" + topic + "'");
      }
      this.topic = topic;
      return this;
    }

    /** The HTTP port; 0 (the default) picks a free one. */
    public Builder port(int port) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port must be within 0..65535: " + port);
      }
      this.port = port;
      return this;
    }

    /**
     * The credential every change needs. Without one the registry refuses every change: it is
     * read-only.
     */
    public Builder writeCredential(RegistryCredential credential) {
      this.writeCredential = requireNonNull(credential, "credential");
      return this;
    }

    Builder log(SchemaLog log) {
      requireNonNull(log, "log");
      this.logFactory = () -> log;
      return this;
    }

    public EmbeddedSchemaRegistry build() {
      return new EmbeddedSchemaRegistry(this);
    }
  }
}
