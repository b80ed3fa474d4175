package io.tokenwatch.schemas.topic;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a cluster match the topic catalogue: creates missing topics with their settings, refuses
 * existing ones whose cleanup policy conflicts, and registers each Avro value schema under its
 * {@code <topic>-value} subject so that clients in any language can fetch the schemas before the
 * first event arrives.
 *
 * <p>Idempotent: every component runs it at start, in any order, any number of times.
 */
public final class TopicEnsurer {

  private static final Logger log = LoggerFactory.getLogger(TopicEnsurer.class);

  private final Admin admin;

  /** How long a topic just created elsewhere may take to show in this client's metadata. */
  private static final Duration SETTLE = Duration.ofSeconds(10);

  private static final Duration SETTLE_PAUSE = Duration.ofMillis(200);

  private final SchemaRegistryClient registry;
  private final Duration timeout;
  private final Map<?, ?> replicationSettings;

  /** How long a service's start waits for each admin round trip of its ensure-topics step. */
  public static final Duration SERVICE_START_TIMEOUT = Duration.ofSeconds(60);

  /**
   * A service's ensure-topics step at start: ensures the whole catalogue ({@link Topics#ALL})
   * through an admin client that connects like the service's other clients ({@link
   * #adminSettings}), closed again before this returns. The replication of topics it creates is
   * read from {@code clientSettings} ({@link TopicReplication#FACTOR}, {@link
   * TopicReplication#MIN_INSYNC}) or follows the cluster's size.
   *
   * @param clientSettings the settings of the service's Kafka clients (a Streams app's properties)
   * @param registry where value schemas are registered
   * @throws TopicConflictException listing every topic whose settings conflict
   * @throws KafkaException when the cluster cannot be reached within {@link #SERVICE_START_TIMEOUT}
   */
  public static Report ensureCatalogue(Map<?, ?> clientSettings, SchemaRegistryClient registry) {
    requireNonNull(clientSettings, "clientSettings");
    requireNonNull(registry, "registry");
    try (Admin admin = Admin.create(adminSettings(clientSettings))) {
      return new TopicEnsurer(admin, registry, SERVICE_START_TIMEOUT, clientSettings)
          .ensure(Topics.ALL);
    }
  }

  /**
   * The settings of an admin client for a component whose Kafka clients take {@code clientSettings}
   * (a Streams app's properties, say): the keys an admin client knows, so the ensure-topics step
   * connects to a secured cluster like the component's other clients.
   */
  public static Map<String, Object> adminSettings(Map<?, ?> clientSettings) {
    Map<String, Object> admin = new HashMap<>();
    clientSettings.forEach(
        (key, value) -> {
          if (key instanceof String name
              && value != null
              && AdminClientConfig.configNames().contains(name)) {
            admin.put(name, value);
          }
        });
    return admin;
  }

  /**
   * @param admin the cluster's admin client (not closed here)
   * @param registry where value schemas are registered
   * @param timeout bound on each admin round trip
   */
  public TopicEnsurer(Admin admin, SchemaRegistryClient registry, Duration timeout) {
    this(admin, registry, timeout, Map.of());
  }

  /**
   * @param admin the cluster's admin client (not closed here)
   * @param registry where value schemas are registered
   * @param timeout bound on each admin round trip
   * @param replicationSettings where {@link TopicReplication#FACTOR} and {@link
   *     TopicReplication#MIN_INSYNC} are read from (other keys are ignored); without them the
   *     replication follows the cluster's size
   */
  public TopicEnsurer(
      Admin admin, SchemaRegistryClient registry, Duration timeout, Map<?, ?> replicationSettings) {
    this.admin = requireNonNull(admin, "admin");
    this.registry = requireNonNull(registry, "registry");
    this.timeout = requireNonNull(timeout, "timeout");
    requireNonNull(replicationSettings, "replicationSettings");
    Map<String, Object> kept = new HashMap<>();
    for (String key : List.of(TopicReplication.FACTOR, TopicReplication.MIN_INSYNC)) {
      Object value = replicationSettings.get(key);
      if (value != null) {
        kept.put(key, value);
      }
    }
    this.replicationSettings = Map.copyOf(kept);
  }

  /**
   * What one run found and did.
   *
   * @param created topics this run created
   * @param existing topics that were already there and match
   * @param schemaIds registry id of each registered value subject
   */
  public record Report(
      List<String> created, List<String> existing, Map<String, Integer> schemaIds) {
    public Report {
      created = List.copyOf(created);
      existing = List.copyOf(existing);
      schemaIds = Map.copyOf(schemaIds);
    }
  }

  /**
   * Ensures every topic of {@code topics} exists with compatible settings and its value schema is
   * registered. Topics it creates get the {@link TopicReplication} of its settings, and keep their
   * own {@code min.insync.replicas} when their spec sets one.
   *
   * @throws TopicConflictException listing every topic whose settings conflict
   * @throws org.apache.kafka.common.config.ConfigException when the replication settings are
   *     invalid or ask for more replicas than the cluster has brokers; nothing is created then
   * @throws KafkaException when the cluster cannot be reached within the timeout
   */
  public Report ensure(Collection<Topic<?, ?>> topics) {
    requireNonNull(topics, "topics");
    Map<String, Topic<?, ?>> byName = new LinkedHashMap<>();
    topics.forEach(topic -> byName.put(topic.name(), topic));

    Set<String> present = await(admin.listTopics().names());
    TopicReplication replication = replication();
    List<String> created = new ArrayList<>();
    Set<String> toCheck = new HashSet<>();
    for (Topic<?, ?> topic : byName.values()) {
      if (present.contains(topic.name())) {
        toCheck.add(topic.name());
      } else if (create(topic, replication)) {
        created.add(topic.name());
      } else {
        toCheck.add(topic.name()); // created by someone else meanwhile
      }
    }

    List<String> existing = checkExisting(byName, toCheck);
    Map<String, Integer> schemaIds = registerSchemas(byName.values());
    if (!created.isEmpty()) {
      log.info("Created topics {}", created);
    }
    return new Report(created, existing, schemaIds);
  }

  private boolean create(Topic<?, ?> topic, TopicReplication replication) {
    Map<String, String> configs = new HashMap<>();
    configs.put("min.insync.replicas", Integer.toString(replication.minInsyncReplicas()));
    configs.putAll(topic.spec().configs());
    NewTopic newTopic =
        new NewTopic(topic.name(), topic.spec().partitions(), (short) replication.factor())
            .configs(configs);
    try {
      admin.createTopics(List.of(newTopic)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof TopicExistsException) {
        return false;
      }
      // A client allowed to describe but not to create (a service under least privilege) is
      // refused when another client created the topic so recently that the listing above missed
      // it; the topic is there, so check it like any other.
      if (e.getCause() instanceof TopicAuthorizationException && describable(topic.name())) {
        return false;
      }
      throw new KafkaException("could not create topic " + topic.name(), e.getCause());
    } catch (TimeoutException e) {
      throw new KafkaException("timed out creating topic " + topic.name() + " after " + timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaException("interrupted while creating topic " + topic.name(), e);
    }
  }

  private List<String> checkExisting(Map<String, Topic<?, ?>> byName, Set<String> names) {
    if (names.isEmpty()) {
      return List.of();
    }
    List<ConfigResource> resources =
        names.stream()
            .map(name -> new ConfigResource(ConfigResource.Type.TOPIC, name))
            .collect(Collectors.toList());
    Map<ConfigResource, Config> configs =
        awaitSettled(() -> admin.describeConfigs(resources).all());
    Map<String, TopicDescription> descriptions =
        awaitSettled(() -> admin.describeTopics(names).allTopicNames());

    List<String> problems = new ArrayList<>();
    List<String> existing = new ArrayList<>();
    for (String name : names) {
      // The admin client answers for every name it was asked about, or the await above throws.
      Topic<?, ?> topic = requireNonNull(byName.get(name), name);
      Config config =
          requireNonNull(configs.get(new ConfigResource(ConfigResource.Type.TOPIC, name)), name);
      ConfigEntry policy = config.get("cleanup.policy");
      Set<String> actual =
          policy == null || policy.value() == null
              ? Set.of("delete")
              : Arrays.stream(policy.value().split(","))
                  .map(String::trim)
                  .collect(Collectors.toSet());
      String wanted = topic.spec().cleanupPolicy().configValue();
      if (!actual.equals(topic.spec().cleanupPolicy().configValues())) {
        problems.add(
            String.format(
                "topic %s has cleanup.policy=%s but Tokenwatch needs %s; fix it with"
                    + " kafka-configs --alter --entity-type topics --entity-name %s --add-config"
                    + " cleanup.policy=%s, or delete the topic",
                name, String.join(",", actual), wanted, name, wanted));
        continue;
      }
      int partitions = requireNonNull(descriptions.get(name), name).partitions().size();
      if (partitions < topic.spec().partitions()) {
        log.warn(
            "Topic {} has {} partitions, the catalogue asks for {}; left as it is (adding"
                + " partitions moves keys between partitions)",
            name,
            partitions,
            topic.spec().partitions());
      }
      existing.add(name);
    }
    if (!problems.isEmpty()) {
      throw new TopicConflictException(problems);
    }
    existing.sort(String::compareTo);
    return existing;
  }

  private Map<String, Integer> registerSchemas(Collection<Topic<?, ?>> topics) {
    Map<String, Integer> ids = new LinkedHashMap<>();
    for (Topic<?, ?> topic : topics) {
      Schema schema = topic.valueSchema().orElse(null);
      if (schema != null) {
        ids.put(topic.valueSubject(), registry.register(topic.valueSubject(), schema));
      }
    }
    return ids;
  }

  private TopicReplication replication() {
    int brokers = await(admin.describeCluster().nodes()).size();
    return TopicReplication.resolve(replicationSettings, brokers);
  }

  /** Whether {@code name} can be described now, allowing for it to settle first. */
  private boolean describable(String name) {
    try {
      awaitSettled(() -> admin.describeTopics(List.of(name)).allTopicNames());
      return true;
    } catch (KafkaException e) {
      return false;
    }
  }

  /**
   * {@link #await} of a describe call, asked again while a topic it names is unknown for up to
   * {@link #SETTLE}: a topic another client has just created reaches every broker's metadata a
   * little later.
   */
  private <T> T awaitSettled(Supplier<KafkaFuture<T>> call) {
    long deadline = System.nanoTime() + SETTLE.toNanos();
    while (true) {
      try {
        return await(call.get());
      } catch (KafkaException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)
            || System.nanoTime() > deadline) {
          throw e;
        }
      }
      try {
        Thread.sleep(SETTLE_PAUSE.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KafkaException("interrupted", e);
      }
    }
  }

  private <T> T await(KafkaFuture<T> future) {
    try {
      return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new KafkaException("admin request failed: " + cause.getMessage(), cause);
    } catch (TimeoutException e) {
      throw new KafkaException("admin request timed out after " + timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaException("interrupted", e);
    }
  }
}
