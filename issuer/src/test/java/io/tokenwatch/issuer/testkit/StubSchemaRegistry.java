package io.tokenwatch.issuer.testkit;

import io.tokenwatch.schemas.compat.CompatibilityLevel;
import io.tokenwatch.schemas.registry.CompatibilityResult;
import io.tokenwatch.schemas.registry.RegisteredSchema;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/** Registers anything, answering ids; enough for serializers in tests without a registry. */
public final class StubSchemaRegistry implements SchemaRegistryClient {
  private final Map<String, Integer> ids = new ConcurrentHashMap<>();
  private final Map<Integer, Schema> schemas = new ConcurrentHashMap<>();

  @Override
  public int register(String subject, Schema schema) {
    int id = ids.computeIfAbsent(schema.toString(), text -> ids.size() + 1);
    schemas.put(id, schema);
    return id;
  }

  @Override
  public Schema getById(int id) {
    return schemas.get(id);
  }

  @Override
  public RegisteredSchema getLatest(String subject) {
    throw new UnsupportedOperationException();
  }

  @Override
  public RegisteredSchema lookup(String subject, Schema schema) {
    return new RegisteredSchema(subject, 1, register(subject, schema), schema);
  }

  @Override
  public List<String> subjects() {
    return List.of();
  }

  @Override
  public List<Integer> versions(String subject) {
    return List.of();
  }

  @Override
  public CompatibilityResult testCompatibility(String subject, Schema schema) {
    throw new UnsupportedOperationException();
  }

  @Override
  public CompatibilityLevel globalCompatibility() {
    return CompatibilityLevel.BACKWARD;
  }

  @Override
  public void setGlobalCompatibility(CompatibilityLevel level) {}

  @Override
  public Optional<CompatibilityLevel> subjectCompatibility(String subject) {
    return Optional.empty();
  }

  @Override
  public void setSubjectCompatibility(String subject, CompatibilityLevel level) {}
}
