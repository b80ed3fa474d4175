package io.tokenwatch.schemas.config;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.schemas.serde.SerdeConfig;
import java.util.List;

/**
 * What every service's configuration holds once {@link ConfigCheck} has validated it: the typed
 * values, the serde and registry settings, and a notice per deprecated key name it was given. Each
 * service's configuration adds its typed getters, and its static declarations (the {@code
 * ConfigDef}, the renamed keys, the Markdown table), on top.
 */
public abstract class ServiceConfig {

  /** The validated values, read through typed getters. */
  protected final ConfigValues values;

  private final SerdeConfig serdeConfig;
  private final List<String> deprecations;

  /**
   * Validates {@code check} for {@code component}.
   *
   * @throws org.apache.kafka.common.config.ConfigException listing every problem found
   */
  protected ServiceConfig(ConfigCheck check, String component) {
    this(check.validated(component), check.serde(), check.deprecations());
  }

  /** From values a subclass has validated itself. */
  protected ServiceConfig(ConfigValues values, SerdeConfig serdeConfig, List<String> deprecations) {
    this.values = requireNonNull(values, "values");
    this.serdeConfig = requireNonNull(serdeConfig, "serdeConfig");
    this.deprecations = List.copyOf(deprecations);
  }

  /** One line per old key name this configuration was given, naming its new one. */
  public final List<String> deprecations() {
    return deprecations;
  }

  /** The serde and registry settings. */
  public final SerdeConfig serdeConfig() {
    return serdeConfig;
  }
}
