package io.tokenwatch.people;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.schemas.config.ConfigValidators;
import io.tokenwatch.schemas.config.ConfigValues;
import io.tokenwatch.schemas.config.Durations;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigException;

/**
 * How people log in: the {@code people.*} keys, declared once in {@link #define(ConfigDef)} so that
 * a service hosting the login pages (the issuer) includes them in its own declaration and README
 * table. Holds no secret: the OpenID Connect client secret is read from {@link
 * #oidcClientSecretFile()} when the gate starts. Immutable.
 */
public final class PeopleConfig {

  public static final String USERS_FILE = "people.users-file";
  public static final String USERS_RELOAD_MS = "people.users-reload-interval-ms";
  public static final String SESSION_IDLE = "people.session-idle";
  public static final String SESSION_MAX = "people.session-max";
  public static final String MAX_SESSIONS = "people.max-sessions";
  public static final String COOKIE_SECURE = "people.cookie-secure";
  public static final String OIDC_ISSUER = "people.oidc.issuer";
  public static final String OIDC_CLIENT_ID = "people.oidc.client-id";
  public static final String OIDC_CLIENT_SECRET_FILE = "people.oidc.client-secret-file";
  public static final String OIDC_ROLES_CLAIM = "people.oidc.roles-claim";
  public static final String OIDC_ID_CLAIM = "people.oidc.id-claim";
  public static final String OIDC_REDIRECT_URI = "people.oidc.redirect-uri";
  public static final String OIDC_SCOPE = "people.oidc.scope";
  public static final String ASSERTION_SECRET_FILE = "people.assertion-secret-file";

  private final Optional<Path> usersFile;
  private final Duration usersReloadInterval;
  private final Duration sessionIdle;
  private final Duration sessionMax;
  private final int maxSessions;
  private final boolean cookieSecure;
  private final Optional<String> oidcIssuer;
  private final Optional<String> oidcClientId;
  private final Optional<Path> oidcClientSecretFile;
  private final String oidcRolesClaim;
  private final String oidcIdClaim;
  private final Optional<String> oidcRedirectUri;
  private final String oidcScope;
  private final Optional<Path> assertionSecretFile;

  private PeopleConfig(Getter get) {
    this.usersFile = get.nonBlank(USERS_FILE).map(Path::of);
    this.usersReloadInterval = Duration.ofMillis(get.longValue(USERS_RELOAD_MS));
    this.sessionIdle = Durations.parse(get.string(SESSION_IDLE));
    this.sessionMax = Durations.parse(get.string(SESSION_MAX));
    this.maxSessions = (int) get.longValue(MAX_SESSIONS);
    this.cookieSecure = get.bool(COOKIE_SECURE);
    this.oidcIssuer = get.nonBlank(OIDC_ISSUER);
    this.oidcClientId = get.nonBlank(OIDC_CLIENT_ID);
    this.oidcClientSecretFile = get.nonBlank(OIDC_CLIENT_SECRET_FILE).map(Path::of);
    this.oidcRolesClaim = get.string(OIDC_ROLES_CLAIM);
    this.oidcIdClaim = get.string(OIDC_ID_CLAIM);
    this.oidcRedirectUri = get.nonBlank(OIDC_REDIRECT_URI);
    this.oidcScope = get.string(OIDC_SCOPE);
    this.assertionSecretFile = get.nonBlank(ASSERTION_SECRET_FILE).map(Path::of);
    if (sessionMax.compareTo(sessionIdle) < 0) {
      throw new ConfigException(
          SESSION_MAX
              + " ("
              + Durations.format(sessionMax)
              + ") must not be shorter than "
              + SESSION_IDLE
              + " ("
              + Durations.format(sessionIdle)
              + ")");
    }
    if (oidcIssuer.isPresent() && oidcClientId.isEmpty()) {
      throw new ConfigException(OIDC_CLIENT_ID + " is required when " + OIDC_ISSUER + " is set");
    }
  }

  /** Adds the {@code people.*} keys to {@code def} and returns it. */
  public static ConfigDef define(ConfigDef def) {
    return def.define(
            USERS_FILE,
            ConfigDef.Type.STRING,
            "",
            Importance.HIGH,
            "The users file (YAML: user name -> name, roles, Argon2id or bcrypt password_hash);"
                + " re-read when it changes. Empty: nobody logs in locally.")
        .define(
            USERS_RELOAD_MS,
            ConfigDef.Type.LONG,
            2_000L,
            Range.atLeast(100),
            Importance.LOW,
            "How often the users file is checked for changes, in ms.")
        .define(
            SESSION_IDLE,
            ConfigDef.Type.STRING,
            "15m",
            ConfigValidators.duration(Duration.ofMinutes(1)),
            Importance.MEDIUM,
            "A login session ends after this long without a request (e.g. 15m).")
        .define(
            SESSION_MAX,
            ConfigDef.Type.STRING,
            "8h",
            ConfigValidators.duration(Duration.ofMinutes(1)),
            Importance.MEDIUM,
            "A login session ends this long after the login, however active (e.g. 8h).")
        .define(
            MAX_SESSIONS,
            ConfigDef.Type.LONG,
            10_000L,
            Range.between(1, 10_000_000),
            Importance.LOW,
            "Most login sessions kept at once; beyond it the least recently used is logged out.")
        .define(
            COOKIE_SECURE,
            ConfigDef.Type.BOOLEAN,
            true,
            Importance.MEDIUM,
            "Session cookies are __Host- cookies marked Secure (browsers send them over HTTPS and"
                + " to localhost only). Set false only for plain HTTP on another host name, in"
                + " development: the cookie is then tw_session, without Secure.")
        .define(
            OIDC_ISSUER,
            ConfigDef.Type.STRING,
            "",
            ConfigValidators.emptyOr(ConfigValidators.httpUrlWithoutQuery()),
            Importance.HIGH,
            "Issuer URL of an upstream OpenID Connect provider to log people in through"
                + " (discovery at /.well-known/openid-configuration). Empty: no upstream login.")
        .define(
            OIDC_CLIENT_ID,
            ConfigDef.Type.STRING,
            "",
            Importance.HIGH,
            "Tokenwatch's client id at the upstream provider.")
        .define(
            OIDC_CLIENT_SECRET_FILE,
            ConfigDef.Type.STRING,
            "",
            Importance.HIGH,
            "File holding Tokenwatch's client secret at the upstream provider (client_secret_basic);"
                + " empty: a public client, protected by PKCE alone.")
        .define(
            OIDC_ROLES_CLAIM,
            ConfigDef.Type.STRING,
            "roles",
            ConfigValidators.nonBlank(),
            Importance.MEDIUM,
            "ID token claim listing the person's roles by name (user, approver, auditor, analyst,"
                + " responder, admin); other values are ignored.")
        .define(
            OIDC_ID_CLAIM,
            ConfigDef.Type.STRING,
            "sub",
            ConfigValidators.nonBlank(),
            Importance.LOW,
            "ID token claim whose value is the person's id.")
        .define(
            OIDC_REDIRECT_URI,
            ConfigDef.Type.STRING,
            "",
            ConfigValidators.emptyOr(ConfigValidators.httpUrlWithoutQuery()),
            Importance.MEDIUM,
            "Redirect URI registered at the provider; empty: <issuer.url>/login/oidc/callback.")
        .define(
            OIDC_SCOPE,
            ConfigDef.Type.STRING,
            "openid profile",
            ConfigValidators.nonBlank(),
            Importance.LOW,
            "Scopes asked of the upstream provider (openid is always included).")
        .define(
            ASSERTION_SECRET_FILE,
            ConfigDef.Type.STRING,
            "",
            Importance.HIGH,
            "File holding the secret (base64url, 32+ bytes) the console signs person assertions"
                + " with (header Tokenwatch-Person: the console acting for a logged-in person)."
                + " Whoever holds it can act as anyone; keep it owner-only. Empty: assertions are"
                + " refused with 401.");
  }

  /**
   * The keys' values from a service configuration that {@link #define declared} them.
   *
   * @throws ConfigException when values disagree (a session lifetime below its idle timeout, an
   *     upstream issuer without a client id)
   */
  public static PeopleConfig from(ConfigValues values) {
    requireNonNull(values, "values");
    return new PeopleConfig(
        new Getter() {
          @Override
          public String string(String key) {
            return values.string(key);
          }

          @Override
          public long longValue(String key) {
            return values.longValue(key);
          }

          @Override
          public boolean bool(String key) {
            return values.bool(key);
          }
        });
  }

  /**
   * Parses and validates {@code settings} on their own (keys not {@code people.*} are ignored).
   *
   * @throws ConfigException naming the first problem
   */
  public static PeopleConfig of(Map<String, ?> settings) {
    requireNonNull(settings, "settings");
    Map<String, Object> own = new LinkedHashMap<>();
    settings.forEach(
        (key, value) -> {
          if (key.startsWith("people.") && value != null) {
            own.put(key, String.valueOf(value));
          }
        });
    Map<String, Object> parsed = define(new ConfigDef()).parse(own);
    return new PeopleConfig(
        new Getter() {
          @Override
          public String string(String key) {
            return String.valueOf(parsed.get(key));
          }

          @Override
          public long longValue(String key) {
            return ((Number) requireNonNull(parsed.get(key), key)).longValue();
          }

          @Override
          public boolean bool(String key) {
            return Boolean.TRUE.equals(parsed.get(key));
          }
        });
  }

  /** Read access to parsed values, whichever way they were parsed. */
  private interface Getter {
    String string(String key);

    long longValue(String key);

    boolean bool(String key);

    default Optional<String> nonBlank(String key) {
      String value = string(key);
      return value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }
  }

  public Optional<Path> usersFile() {
    return usersFile;
  }

  public Duration usersReloadInterval() {
    return usersReloadInterval;
  }

  public Duration sessionIdle() {
    return sessionIdle;
  }

  public Duration sessionMax() {
    return sessionMax;
  }

  public int maxSessions() {
    return maxSessions;
  }

  public boolean cookieSecure() {
    return cookieSecure;
  }

  public Optional<String> oidcIssuer() {
    return oidcIssuer;
  }

  public Optional<String> oidcClientId() {
    return oidcClientId;
  }

  public Optional<Path> oidcClientSecretFile() {
    return oidcClientSecretFile;
  }

  public String oidcRolesClaim() {
    return oidcRolesClaim;
  }

  public String oidcIdClaim() {
    return oidcIdClaim;
  }

  public Optional<String> oidcRedirectUri() {
    return oidcRedirectUri;
  }

  public String oidcScope() {
    return oidcScope;
  }

  /** The person-assertion secret's file, when the service accepts assertions. */
  public Optional<Path> assertionSecretFile() {
    return assertionSecretFile;
  }

  @Override
  public String toString() {
    return "PeopleConfig[usersFile="
        + usersFile
        + ", sessionIdle="
        + Durations.format(sessionIdle)
        + ", sessionMax="
        + Durations.format(sessionMax)
        + ", cookieSecure="
        + cookieSecure
        + ", oidcIssuer="
        + oidcIssuer
        + ", assertionSecretFile="
        + assertionSecretFile
        + "]";
  }
}
