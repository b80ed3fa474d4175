package io.tokenwatch.cli;

import io.tokenwatch.schemas.config.DeprecatedKeys;
import io.tokenwatch.schemas.serde.SerdeConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.streams.StreamsConfig;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * A component's settings from a properties file, the environment and flags, in rising order of
 * precedence. The component's own declaration ({@link ConfigDef}) then validates them all at once.
 *
 * <p>The environment variable of a key is {@code TOKENWATCH_} plus the key in upper case with dots
 * and dashes as underscores: {@code issuer.http.port} is {@code TOKENWATCH_ISSUER_HTTP_PORT}. A
 * renamed key's old and new names mostly share one variable; where they do not, both are read.
 * Besides the component's own keys, the environment may set any Kafka client key ({@code
 * TOKENWATCH_SECURITY_PROTOCOL}, {@code TOKENWATCH_SASL_JAAS_CONFIG}, ...), which the component
 * hands to its Kafka clients, and any schema registry client key ({@code
 * TOKENWATCH_BASIC_AUTH_USER_INFO}, ...); containers are configured that way.
 */
final class SettingsOptions {

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "Properties file with the component's settings (see the README's tables).")
  @Nullable Path configFile;

  @Option(
      names = {"-s", "--set"},
      paramLabel = "KEY=VALUE",
      description = "A setting, overriding the file and the environment; repeatable.")
  Map<String, String> overrides = new LinkedHashMap<>();

  /** The line of the config file each key the file set came from, while the file's value holds. */
  private final Map<String, Integer> fileLines = new LinkedHashMap<>();

  /** Every key Kafka's producer, consumer, admin client and Streams declare. */
  static final Set<String> KAFKA_CLIENT_KEYS = kafkaClientKeys();

  /** Every key of the schema registry client ({@code basic.auth.*}, {@code schema.registry.*}). */
  static final Set<String> REGISTRY_CLIENT_KEYS = SerdeConfig.configDef().names();

  private static Set<String> kafkaClientKeys() {
    Set<String> keys = new TreeSet<>();
    keys.addAll(ProducerConfig.configNames());
    keys.addAll(ConsumerConfig.configNames());
    keys.addAll(AdminClientConfig.configNames());
    keys.addAll(StreamsConfig.configDef().names());
    return Collections.unmodifiableSet(keys);
  }

  /** The environment variable that sets {@code key}. */
  static String environmentVariable(String key) {
    return "TOKENWATCH_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  /**
   * The settings for {@code definition}: file, then environment, then {@code --set}, then the given
   * defaults for keys none of them set (the cluster's addresses, say).
   */
  Map<String, Object> resolve(
      ConfigDef definition, Map<String, String> environment, Map<String, ?> fallbacks) {
    return resolve(definition, DeprecatedKeys.none(), environment, fallbacks);
  }

  /**
   * As {@link #resolve(ConfigDef, Map, Map)}, where a key set in a later source also replaces what
   * an earlier source set under the key's old or new name: an old properties file is overridden by
   * a {@code TOKENWATCH_*} variable or {@code --set} of the new name, not found in conflict with
   * it.
   */
  Map<String, Object> resolve(
      ConfigDef definition,
      DeprecatedKeys deprecated,
      Map<String, String> environment,
      Map<String, ?> fallbacks) {
    Map<String, Object> settings = new LinkedHashMap<>(fallbacks);
    fileLines.clear();
    if (configFile != null) {
      layer(settings, readFile(configFile, fileLines), deprecated);
    }
    Set<String> keys = new LinkedHashSet<>(definition.names());
    keys.addAll(KAFKA_CLIENT_KEYS);
    keys.addAll(REGISTRY_CLIENT_KEYS);
    deprecated
        .replacements()
        .forEach(
            (old, replacement) -> {
              // Most renames only turned dots into dashes: the variable is the same one.
              if (!environmentVariable(old).equals(environmentVariable(replacement))) {
                keys.add(old);
              }
            });
    Map<String, String> fromEnvironment = new LinkedHashMap<>();
    for (String key : keys) {
      String value = environment.get(environmentVariable(key));
      if (value != null) {
        fromEnvironment.put(key, value);
      }
    }
    layer(settings, fromEnvironment, deprecated);
    layer(settings, overrides, deprecated);
    fileLines.keySet().retainAll(settings.keySet());
    return settings;
  }

  /**
   * {@code message} (a settings problem) with the file and line of each key it names that the
   * config file set, so a bad value in the file is found where it is.
   */
  String withFileLines(String message) {
    Path file = configFile;
    if (file == null || fileLines.isEmpty()) {
      return message;
    }
    StringBuilder out = new StringBuilder();
    for (String line : message.split("\n", -1)) {
      if (out.length() > 0) {
        out.append('\n');
      }
      out.append(line);
      for (Map.Entry<String, Integer> key : fileLines.entrySet()) {
        if (java.util.regex.Pattern.compile(
                "(?<![\\w.-])" + java.util.regex.Pattern.quote(key.getKey()) + "(?![\\w.-])")
            .matcher(line)
            .find()) {
          out.append(" (").append(where(file, key.getValue() - 1)).append(')');
        }
      }
    }
    return out.toString();
  }

  private static void layer(
      Map<String, Object> settings, Map<String, String> source, DeprecatedKeys deprecated) {
    for (String key : source.keySet()) {
      String canonical = deprecated.canonical(key);
      settings.keySet().removeIf(k -> deprecated.canonical(k).equals(canonical));
    }
    settings.putAll(source);
  }

  /**
   * The file's settings. {@link java.util.Properties} reports a malformed escape without saying
   * where, so each logical line (with its continuations) is read on its own and a failure names the
   * file, the line and the key; bytes that are not UTF-8 are reported the same way.
   */
  static Map<String, String> readFile(Path file) {
    return readFile(file, new LinkedHashMap<>());
  }

  /**
   * As {@link #readFile(Path)}, noting in {@code keyLines} the line (from 1) each key was set on.
   */
  static Map<String, String> readFile(Path file, Map<String, Integer> keyLines) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read --config " + file + ": " + e, e);
    }
    String text = decode(file, bytes);
    Map<String, String> values = new LinkedHashMap<>();
    String[] lines = text.split("\\r\\n|\\r|\\n", -1);
    int i = 0;
    while (i < lines.length) {
      int first = i;
      StringBuilder logical = new StringBuilder(lines[i]);
      boolean comment = isComment(lines[i]);
      while (!comment && endsWithContinuation(lines[i])) {
        i++;
        if (i >= lines.length || (i == lines.length - 1 && lines[i].isEmpty())) {
          throw new IllegalArgumentException(
              where(file, first)
                  + ": the line ends with a backslash (a continuation) but the file ends there");
        }
        logical.append('\n').append(lines[i]);
      }
      i++;
      if (comment || logical.toString().isBlank()) {
        continue;
      }
      java.util.Properties one = new java.util.Properties();
      try {
        one.load(new java.io.StringReader(logical.toString()));
      } catch (IllegalArgumentException | IOException e) {
        String key = logical.toString().strip().split("[=:\\s]", 2)[0];
        throw new IllegalArgumentException(
            where(file, first) + " (key " + key + "): " + e.getMessage(), e);
      }
      for (String name : one.stringPropertyNames()) {
        values.put(name, one.getProperty(name));
        keyLines.put(name, first + 1);
      }
    }
    return values;
  }

  private static String where(Path file, int index) {
    return "--config " + file + " line " + (index + 1);
  }

  private static boolean isComment(String line) {
    String start = line.stripLeading();
    return start.startsWith("#") || start.startsWith("!");
  }

  /** An odd number of trailing backslashes: the last one joins the next line. */
  private static boolean endsWithContinuation(String line) {
    int n = 0;
    for (int k = line.length() - 1; k >= 0 && line.charAt(k) == '\\'; k--) {
      n++;
    }
    return n % 2 == 1;
  }

  private static String decode(Path file, byte[] bytes) {
    java.nio.charset.CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
            .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
    try {
      return decoder.decode(java.nio.ByteBuffer.wrap(bytes)).toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      // find the first bad byte by decoding ever longer prefixes of lines
      int line = 0;
      int start = 0;
      for (int k = 0; k <= bytes.length; k++) {
        if (k == bytes.length || bytes[k] == '\n') {
          try {
            StandardCharsets.UTF_8
                .newDecoder()
                .decode(java.nio.ByteBuffer.wrap(bytes, start, k - start));
          } catch (java.nio.charset.CharacterCodingException bad) {
            break;
          }
          line++;
          start = k + 1;
        }
      }
      throw new IllegalArgumentException(
          where(file, line) + ": not UTF-8 (save the file as UTF-8)", e);
    }
  }
}
