package io.tokenwatch.people;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Short-lived statements by a trusted front end (the console) that a logged-in person is making
 * this request: a JWT signed with a secret the front end shares with the service it calls (HMAC
 * SHA-256), sent in header {@value #HEADER}. The service learns who acts and with which roles
 * without the person's password, which a console session does not have (upstream logins have none
 * at all).
 *
 * <p>Claims: {@code iss} the front end's URL, {@code aud} the called service's URL, {@code sub} the
 * person's id, {@code name}, {@code roles}, {@code login}, {@code iat}, {@code exp} (at most {@link
 * #MAX_LIFETIME} after {@code iat}) and a {@code jti} that is accepted once: an assertion seen
 * again is refused, so a captured header cannot be replayed, not even within its minute.
 *
 * <p>Whoever holds the secret can act as anyone, with any role: it is as sensitive as an admin
 * credential. Keep the file owner-only ({@link #createSecretFile} does) and give it only to the
 * front end and the services that trust it. Thread-safe.
 */
public final class PersonAssertions {

  /** The request header carrying an assertion. */
  public static final String HEADER = "Tokenwatch-Person";

  /** The longest an assertion is valid for. */
  public static final Duration MAX_LIFETIME = Duration.ofSeconds(60);

  /** How far clocks of the front end and the service may disagree. */
  static final Duration CLOCK_SKEW = Duration.ofSeconds(30);

  private static final JOSEObjectType TYPE = new JOSEObjectType("tokenwatch-person+jwt");
  private static final int MIN_SECRET_BYTES = 32;
  private static final int MAX_SEEN = 200_000;

  private final byte[] secret;
  private final Clock clock;
  private final Map<String, Instant> seen = new ConcurrentHashMap<>();

  private PersonAssertions(byte[] secret, Clock clock) {
    if (secret.length < MIN_SECRET_BYTES) {
      throw new IllegalArgumentException(
          "the person-assertion secret must be at least " + MIN_SECRET_BYTES + " bytes");
    }
    this.secret = secret.clone();
    this.clock = requireNonNull(clock, "clock");
  }

  /** Assertions with {@code secret} (at least 32 bytes). */
  public static PersonAssertions of(byte[] secret, Clock clock) {
    requireNonNull(secret, "secret");
    return new PersonAssertions(secret, clock);
  }

  /**
   * Assertions with the secret in {@code file}: base64url text, as {@link #createSecretFile} writes
   * it.
   *
   * @throws IOException when the file cannot be read
   * @throws IllegalArgumentException when it holds no valid secret
   */
  public static PersonAssertions fromSecretFile(Path file, Clock clock) throws IOException {
    requireNonNull(file, "file");
    String text = Files.readString(file, StandardCharsets.UTF_8).strip();
    byte[] secret;
    try {
      secret = Base64.getUrlDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          file + " does not hold a base64url person-assertion secret", e);
    }
    return of(secret, clock);
  }

  /**
   * Writes a new random secret to {@code file} (owner-only where the file system has POSIX
   * permissions) unless the file exists already.
   *
   * @return the file
   */
  public static Path createSecretFile(Path file) throws IOException {
    requireNonNull(file, "file");
    if (Files.exists(file)) {
      return file;
    }
    byte[] random = new byte[MIN_SECRET_BYTES];
    new SecureRandom().nextBytes(random);
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(
        file,
        Base64.getUrlEncoder().withoutPadding().encodeToString(random) + "\n",
        StandardCharsets.UTF_8);
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException notPosix) {
      // Not a POSIX file system: the directory's own permissions apply.
    }
    return file;
  }

  /**
   * A fresh assertion, valid for {@link #MAX_LIFETIME}, that {@code person} acts.
   *
   * @param audience the URL of the service the request goes to
   * @param asserter the URL of the front end making it
   */
  public String sign(Person person, String audience, String asserter) {
    requireNonNull(person, "person");
    requireNonNull(audience, "audience");
    requireNonNull(asserter, "asserter");
    Instant now = clock.instant();
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(asserter)
            .audience(audience)
            .subject(person.id())
            .claim("name", person.name())
            .claim("roles", person.roles().stream().map(Role::externalName).sorted().toList())
            .claim("login", person.login())
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(MAX_LIFETIME)))
            .jwtID(UUID.randomUUID().toString())
            .build();
    SignedJWT jwt =
        new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(TYPE).build(), claims);
    try {
      jwt.sign(new MACSigner(secret));
    } catch (JOSEException e) {
      throw new IllegalStateException("HMAC SHA-256 signing failed", e);
    }
    return jwt.serialize();
  }

  /** What {@link #verify} found. */
  public sealed interface Verification {}

  /**
   * A valid assertion.
   *
   * @param person who acts, with the roles the front end gave them
   * @param asserter the front end's URL ({@code iss})
   */
  public record Asserted(Person person, String asserter) implements Verification {
    public Asserted {
      requireNonNull(person, "person");
      requireNonNull(asserter, "asserter");
    }
  }

  /** An assertion refused, with why (for logs; callers answer a plain 401). */
  public record Refused(String reason) implements Verification {
    public Refused {
      requireNonNull(reason, "reason");
    }
  }

  /**
   * Checks an assertion sent to {@code audience}: signature, type, audience, times (lifetime at
   * most {@link #MAX_LIFETIME}, {@link #CLOCK_SKEW} of tolerance) and that its {@code jti} was not
   * accepted before. Accepting it uses up its {@code jti}.
   */
  public Verification verify(String assertion, String audience) {
    requireNonNull(assertion, "assertion");
    requireNonNull(audience, "audience");
    SignedJWT jwt;
    JWTClaimsSet claims;
    try {
      jwt = SignedJWT.parse(assertion);
      if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm())
          || !TYPE.equals(jwt.getHeader().getType())) {
        return new Refused("not a person assertion (alg HS256, typ " + TYPE + ")");
      }
      if (!jwt.verify(new MACVerifier(secret))) {
        return new Refused("bad signature");
      }
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException | JOSEException e) {
      return new Refused("unreadable: " + e.getMessage());
    }
    Instant now = clock.instant();
    Date issued = claims.getIssueTime();
    Date expires = claims.getExpirationTime();
    String jti = claims.getJWTID();
    String subject = claims.getSubject();
    String asserter = claims.getIssuer();
    if (issued == null || expires == null || jti == null || subject == null || asserter == null) {
      return new Refused("iat, exp, jti, sub and iss are required");
    }
    if (!claims.getAudience().equals(List.of(audience))) {
      return new Refused("meant for " + claims.getAudience() + ", not " + audience);
    }
    if (expires.toInstant().isAfter(issued.toInstant().plus(MAX_LIFETIME))) {
      return new Refused("valid for longer than " + MAX_LIFETIME);
    }
    if (now.isAfter(expires.toInstant().plus(CLOCK_SKEW))
        || now.isBefore(issued.toInstant().minus(CLOCK_SKEW))) {
      return new Refused("expired or not yet valid");
    }
    Person person;
    try {
      person =
          new Person(
              subject,
              stringClaim(claims, "name", subject),
              roles(claims),
              stringClaim(claims, "login", Person.LOCAL));
    } catch (IllegalArgumentException | ParseException e) {
      return new Refused("bad person claims: " + e.getMessage());
    }
    forgetExpired(now);
    if (seen.size() >= MAX_SEEN) {
      return new Refused("too many assertions in flight");
    }
    if (seen.putIfAbsent(jti, expires.toInstant().plus(CLOCK_SKEW)) != null) {
      return new Refused("replayed (jti seen before)");
    }
    return new Asserted(person, asserter);
  }

  private void forgetExpired(Instant now) {
    seen.values().removeIf(until -> until.isBefore(now));
  }

  private static String stringClaim(JWTClaimsSet claims, String name, String fallback)
      throws ParseException {
    String value = claims.getStringClaim(name);
    return value == null || value.isBlank() ? fallback : value;
  }

  private static Set<Role> roles(JWTClaimsSet claims) throws ParseException {
    List<String> names = claims.getStringListClaim("roles");
    Set<Role> roles = EnumSet.noneOf(Role.class);
    if (names != null) {
      for (String name : names) {
        roles.add(Role.parse(name));
      }
    }
    return roles;
  }
}
