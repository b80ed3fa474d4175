package io.tokenwatch.schemas.registry;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * The registry's answer to "may this schema be registered under this subject?".
 *
 * @param isCompatible whether the schema passes the subject's compatibility level
 * @param messages the registry's explanations (empty when compatible, or when the registry gives
 *     none)
 */
public record CompatibilityResult(boolean isCompatible, List<String> messages) {
  /** Copies the messages. */
  public CompatibilityResult {
    messages = List.copyOf(requireNonNull(messages, "messages"));
  }
}
