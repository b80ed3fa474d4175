package io.tokenwatch.people;

import static java.util.Objects.requireNonNull;

import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.router.JavalinDefaultRoutingApi;
import io.tokenwatch.schemas.http.ErrorFormat;
import io.tokenwatch.schemas.http.JsonErrors;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who is behind a request, and whether they may do what they ask.
 *
 * <p>People log in on {@code /login} (users file, Argon2id or bcrypt hashes) or through an upstream
 * OpenID Connect provider ({@code /login/oidc}); either gives a server-side session whose id
 * travels in the cookie {@code __Host-tw_session} ({@code Secure; HttpOnly; SameSite=Lax; Path=/}).
 * CLI and API callers send HTTP Basic credentials of a users-file user on every request instead.
 * Failed password checks are throttled per user name and per client address.
 *
 * <p>Every state-changing request a session authenticates must carry the session's CSRF token
 * ({@link #csrfToken}; form field {@value #CSRF_FIELD} or header {@value #CSRF_HEADER}) and, when
 * the browser sends an {@code Origin}, come from this server's own origin: {@link #verifyCsrf}. The
 * login form itself is protected the same way before anyone is logged in, by a token bound to a
 * short pre-session cookie.
 *
 * <p>A trusted front end (the console) may instead identify the person it acts for with a {@link
 * PersonAssertions person assertion} in header {@value PersonAssertions#HEADER}, when the gate has
 * the shared secret ({@code people.assertion-secret-file}). Such a request carries no cookie, so,
 * like HTTP Basic, it needs no CSRF token; one that also carries a session cookie or an {@code
 * Authorization} header is refused as ambiguous (400), and an invalid assertion (forged, replayed,
 * expired, for another service, or sent where no secret is configured) is a 401 that names nothing
 * secret: the reason goes to the log.
 *
 * <p>Thread-safe. {@link #close()} stops watching the users file.
 */
public final class PeopleGate implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PeopleGate.class);

  /** Form field carrying the CSRF token. */
  public static final String CSRF_FIELD = "csrf";

  /** Header carrying the CSRF token, for scripts. */
  public static final String CSRF_HEADER = "X-CSRF-Token";

  /**
   * The cookie names' stem unless a service picks its own: {@code tw_session}, {@code tw_login}.
   */
  public static final String DEFAULT_COOKIE_NAME = "tw";

  static final int MAX_USER_NAME = 64;
  static final int MAX_PASSWORD = 1024;
  private static final Duration PRE_SESSION = Duration.ofMinutes(30);
  private static final String CURRENT = PeopleGate.class.getName() + ".current";
  private static final String THROTTLED = PeopleGate.class.getName() + ".throttled";

  private final UserDirectory directory;
  private final Sessions sessions;
  private final LoginThrottle throttle;
  private final String origin;
  private final boolean cookieSecure;
  private final String sessionCookie;
  private final String preSessionCookie;
  private final byte[] csrfKey;
  private final @Nullable OidcLogin oidc;
  private final @Nullable PersonAssertions assertions;
  private final String audience;

  private PeopleGate(
      UserDirectory directory,
      PeopleConfig config,
      String publicUrl,
      Clock clock,
      @Nullable OidcLogin oidc,
      @Nullable PersonAssertions assertions,
      String cookieName) {
    this.directory = directory;
    this.sessions =
        new Sessions(clock, config.sessionIdle(), config.sessionMax(), config.maxSessions());
    this.throttle = new LoginThrottle(clock);
    this.origin = origin(publicUrl);
    this.cookieSecure = config.cookieSecure();
    String prefix = cookieSecure ? "__Host-" : "";
    this.sessionCookie = prefix + cookieName + "_session";
    this.preSessionCookie = prefix + cookieName + "_login";
    this.csrfKey = Base64.getUrlDecoder().decode(Sessions.randomToken());
    this.oidc = oidc;
    this.assertions = assertions;
    this.audience = publicUrl;
  }

  /**
   * Starts a gate: reads the users file (and watches it for changes) and prepares the upstream
   * login when one is configured (the provider is asked for its metadata on the first upstream
   * login, not here, so a provider that is down does not stop the server).
   *
   * @param publicUrl the server's URL as browsers reach it; its origin is the only one allowed to
   *     post forms, and the default OpenID Connect redirect URI hangs off it
   * @throws UsersFile.InvalidUsersFileException when the users file is invalid
   * @throws IOException when the users file or the client secret file cannot be read
   */
  public static PeopleGate start(PeopleConfig config, String publicUrl, Clock clock)
      throws IOException {
    return start(config, publicUrl, clock, DEFAULT_COOKIE_NAME);
  }

  /**
   * {@link #start(PeopleConfig, String, Clock)} with its own cookie names, {@code
   * <cookieName>_session} and {@code <cookieName>_login}: browsers keep cookies per host, not per
   * port, so two services on one host (the issuer and the console on localhost) need different
   * names or each login would end the other's session.
   *
   * @param cookieName letters, digits and underscores
   */
  public static PeopleGate start(
      PeopleConfig config, String publicUrl, Clock clock, String cookieName) throws IOException {
    requireNonNull(config, "config");
    requireNonNull(cookieName, "cookieName");
    if (!cookieName.matches("[A-Za-z0-9_]{1,32}")) {
      throw new IllegalArgumentException(
          "cookieName must be 1 to 32 letters, digits or underscores: " + cookieName);
    }
    requireNonNull(publicUrl, "publicUrl");
    requireNonNull(clock, "clock");
    UserDirectory directory =
        config.usersFile().isPresent()
            ? UserDirectory.open(config.usersFile().get())
            : UserDirectory.empty();
    directory.watch(config.usersReloadInterval());
    OidcLogin oidc = OidcLogin.from(config, publicUrl, clock).orElse(null);
    PersonAssertions assertions = null;
    if (config.assertionSecretFile().isPresent()) {
      try {
        assertions = PersonAssertions.fromSecretFile(config.assertionSecretFile().get(), clock);
      } catch (IllegalArgumentException e) {
        directory.close();
        throw new IllegalArgumentException(
            PeopleConfig.ASSERTION_SECRET_FILE + ": " + e.getMessage(), e);
      } catch (IOException e) {
        directory.close();
        throw e;
      }
    }
    LOG.info(
        "People: {} users from {}, upstream login {}, person assertions {}",
        directory.size(),
        config.usersFile().map(Object::toString).orElse("(no users file)"),
        config.oidcIssuer().orElse("off"),
        assertions == null ? "refused" : "accepted for audience " + publicUrl);
    return new PeopleGate(directory, config, publicUrl, clock, oidc, assertions, cookieName);
  }

  // ---------------------------------------------------------------------------------------------
  // The contract other modules code against.

  /**
   * The person behind this request: a valid session cookie, HTTP Basic credentials of a users file
   * user (checked, and throttled, at most once per request), or a valid person assertion (checked,
   * and its one-time id used up, at most once per request).
   */
  public Optional<Person> current(Context ctx) {
    return identified(ctx).person();
  }

  /**
   * The URL of the front end that asserted the current person ({@link PersonAssertions}), empty
   * when the person logged in here (session or HTTP Basic) or nobody is identified. Services record
   * it beside the person, e.g. {@code person:rita;via:<console URL>}.
   */
  public Optional<String> asserter(Context ctx) {
    Identified identified = identified(ctx);
    return identified.person().isPresent()
        ? Optional.ofNullable(identified.asserter())
        : Optional.empty();
  }

  private Identified identified(Context ctx) {
    requireNonNull(ctx, "ctx");
    Object known = ctx.attribute(CURRENT);
    if (known instanceof Identified identified) {
      return identified;
    }
    Identified identified = identify(ctx);
    ctx.attribute(CURRENT, identified);
    return identified;
  }

  /**
   * The person behind this request, who must hold one of {@code anyOf} (none given: any logged-in
   * person). Not logged in: a browser (GET or HEAD asking for HTML) is redirected to {@code
   * /login?next=<this path>}, and gets a 401 page for other methods (no Basic challenge, which
   * would make it prompt and then send the credentials by itself, with other sites' forms too);
   * other callers get 401 problem+json with {@code WWW-Authenticate: Basic} (429 with {@code
   * Retry-After} while their failed logins are throttled). Lacking the role: 403, problem+json or
   * an HTML page for browsers.
   *
   * @throws HttpResponseException with the answer already rendered into {@code ctx}
   */
  public Person require(Context ctx, Role... anyOf) {
    requireNonNull(ctx, "ctx");
    requireNonNull(anyOf, "anyOf");
    Identified identified = identified(ctx);
    Optional<Person> person = identified.person();
    Problem refusal = identified.refusal();
    if (refusal != null) {
      throw refuse(
          ctx,
          refusal.status(),
          c -> {
            if (refusal.status() == 401) {
              c.header("WWW-Authenticate", PersonAssertions.HEADER + " realm=\"tokenwatch\"");
            }
            problem(c, refusal.status(), refusal.detail());
          });
    }
    if (person.isEmpty()) {
      Object throttled = ctx.attribute(THROTTLED);
      if (throttled instanceof Duration wait) {
        throw refuse(
            ctx,
            429,
            c -> {
              c.header("Retry-After", Long.toString(Math.max(1, wait.toSeconds())));
              problem(c, 429, "too many failed logins; try again later");
            });
      }
      if (isBrowser(ctx)) {
        String next = ctx.path() + (ctx.queryString() == null ? "" : "?" + ctx.queryString());
        String location = "/login?next=" + URLEncoder.encode(next, StandardCharsets.UTF_8);
        throw refuse(
            ctx,
            303,
            c -> c.status(303).header("Location", location).header("Cache-Control", "no-store"));
      }
      if (acceptsHtml(ctx)) {
        // A browser's form posted after its session ended: a page, and no Basic challenge, which
        // would make the browser prompt for credentials and then send them on its own, to any
        // site's forms included.
        throw refuse(
            ctx,
            401,
            c ->
                Pages.message(
                    c,
                    401,
                    "Logged out",
                    "Your session has ended. Log in again, then repeat what you were doing.",
                    "/login",
                    "Log in"));
      }
      throw refuse(
          ctx,
          401,
          c -> {
            c.header("WWW-Authenticate", "Basic realm=\"tokenwatch\", charset=\"UTF-8\"");
            problem(c, 401, "log in: HTTP Basic credentials of a Tokenwatch user are needed");
          });
    }
    Person who = person.get();
    if (anyOf.length > 0 && Arrays.stream(anyOf).noneMatch(who::has)) {
      String roles =
          Arrays.stream(anyOf).map(Role::externalName).collect(Collectors.joining(" or "));
      String why = "this needs the role " + roles;
      throw refuse(
          ctx,
          403,
          c -> {
            if (isBrowser(c)) {
              Pages.message(c, 403, "Not allowed", "You are logged in, but " + why + ".");
            } else {
              problem(c, 403, why);
            }
          });
    }
    return who;
  }

  /**
   * The CSRF token to put in every form of the current session as hidden field {@value
   * #CSRF_FIELD}. Before login, the token of the login form's pre-session (setting its cookie when
   * the browser has none yet).
   */
  public String csrfToken(Context ctx) {
    requireNonNull(ctx, "ctx");
    Optional<Sessions.Session> session = session(ctx);
    if (session.isPresent()) {
      return session.get().csrfToken();
    }
    String nonce = ctx.cookie(preSessionCookie);
    if (nonce == null || !Sessions.looksLikeToken(nonce)) {
      nonce = Sessions.randomToken();
      setCookie(ctx, preSessionCookie, nonce, PRE_SESSION);
    }
    return preSessionToken(nonce);
  }

  /**
   * Refuses (403) a state-changing request that may be forged: from another origin (an {@code
   * Origin} or {@code Sec-Fetch-Site} saying so), or authenticated by a session cookie without the
   * session's token in form field {@value #CSRF_FIELD} or header {@value #CSRF_HEADER}. Requests
   * authenticated by HTTP Basic or by a valid person assertion, without a cookie, need no token
   * (browsers add neither on their own). Unauthenticated requests need the login form's pre-session
   * token.
   *
   * @throws HttpResponseException (403) with the answer already rendered into {@code ctx}
   */
  public void verifyCsrf(Context ctx) {
    requireNonNull(ctx, "ctx");
    String sentOrigin = ctx.header("Origin");
    if (sentOrigin != null && !sentOrigin.equals(origin)) {
      throw forged(ctx, "the request comes from another site");
    }
    String fetchSite = ctx.header("Sec-Fetch-Site");
    if (fetchSite != null && fetchSite.equals("cross-site")) {
      throw forged(ctx, "the request comes from another site");
    }
    Optional<Sessions.Session> session = session(ctx);
    String sent = sentCsrf(ctx);
    if (session.isPresent()) {
      if (sent == null || !constantTimeEquals(sent, session.get().csrfToken())) {
        throw forged(ctx, "the form is missing its security token or it is stale; reload the page");
      }
      return;
    }
    if (ctx.cookie(sessionCookie) == null && basicCredentials(ctx).isPresent()) {
      return;
    }
    if (ctx.cookie(sessionCookie) == null
        && ctx.header(PersonAssertions.HEADER) != null
        && asserter(ctx).isPresent()) {
      return;
    }
    String nonce = ctx.cookie(preSessionCookie);
    if (nonce == null || sent == null || !constantTimeEquals(sent, preSessionToken(nonce))) {
      throw forged(ctx, "the form is missing its security token or it is stale; reload the page");
    }
  }

  /**
   * Adds {@code GET/POST /login}, {@code POST /logout}, {@code GET /login/oidc} and {@code GET
   * /login/oidc/callback} to the app, and the handler that renders this gate's refusals. In Javalin
   * 7 routes are added before the server starts; call this before {@code start()}. Same as {@link
   * #routes(JavalinConfig)}, which fits {@code Javalin.create(config -> ...)}.
   */
  public void routes(Javalin app) {
    requireNonNull(app, "app");
    routes(app.unsafe.routes);
  }

  /** {@link #routes(Javalin)} for a configuration being built. */
  public void routes(JavalinConfig config) {
    requireNonNull(config, "config");
    routes(config.routes);
  }

  private void routes(JavalinDefaultRoutingApi routes) {
    routes.exception(Refusal.class, (e, ctx) -> e.render(ctx));
    routes.get("/login", this::loginPage);
    routes.post("/login", this::login);
    routes.post("/logout", this::logout);
    routes.get("/login/oidc", this::oidcStart);
    routes.get("/login/oidc/callback", this::oidcCallback);
  }

  @Override
  public void close() {
    directory.close();
  }

  // ---------------------------------------------------------------------------------------------
  // Pages.

  private void loginPage(Context ctx) {
    String next = SafeRedirect.path(ctx.queryParam("next")).orElse("");
    Optional<Sessions.Session> session = session(ctx);
    if (session.isPresent()) {
      if (!next.isEmpty()) {
        ctx.status(303).header("Location", next).header("Cache-Control", "no-store");
        return;
      }
      sessionPage(ctx, session.get());
      return;
    }
    loginForm(ctx, 200, next, "", "");
  }

  private void sessionPage(Context ctx, Sessions.Session session) {
    Person person = session.person();
    Pages.render(
        ctx,
        200,
        "session.jte",
        Map.of(
            "name", person.name(),
            "id", person.id(),
            "roles",
                person.roles().stream()
                    .sorted()
                    .map(Role::externalName)
                    .collect(Collectors.joining(", ")),
            "login", person.login().equals(Person.LOCAL) ? "the users file" : person.login(),
            "csrf", session.csrfToken()));
  }

  private void loginForm(Context ctx, int status, String next, String message, String userName) {
    String oidcHref =
        oidc == null
            ? ""
            : "/login/oidc"
                + (next.isEmpty()
                    ? ""
                    : "?next=" + URLEncoder.encode(next, StandardCharsets.UTF_8));
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("csrf", csrfToken(ctx));
    params.put("next", next);
    params.put("message", message);
    params.put("userName", userName);
    params.put("oidcHref", oidcHref);
    Pages.render(ctx, status, "login.jte", params);
  }

  private void login(Context ctx) {
    verifyCsrf(ctx);
    String next = SafeRedirect.path(ctx.formParam("next")).orElse("");
    String userName = Optional.ofNullable(ctx.formParam("username")).orElse("").trim();
    String password = Optional.ofNullable(ctx.formParam("password")).orElse("");
    if (userName.isEmpty()
        || password.isEmpty()
        || userName.length() > MAX_USER_NAME
        || password.length() > MAX_PASSWORD) {
      loginForm(ctx, 400, next, "Enter your user name and password.", "");
      return;
    }
    Optional<Duration> wait = throttle.blocked(userName, ctx.ip());
    if (wait.isPresent()) {
      ctx.header("Retry-After", Long.toString(Math.max(1, wait.get().toSeconds())));
      loginForm(
          ctx,
          429,
          next,
          "Too many failed logins. Try again in " + minutes(wait.get()) + ".",
          safeEcho(userName));
      return;
    }
    Optional<UsersFile.User> user = checkPassword(userName, password, ctx.ip());
    if (user.isEmpty()) {
      loginForm(ctx, 401, next, "Wrong user name or password.", safeEcho(userName));
      return;
    }
    startSession(ctx, user.get().person());
    LOG.info("{} logged in from {}", userName, ctx.ip());
    ctx.status(303)
        .header("Location", next.isEmpty() ? "/login" : next)
        .header("Cache-Control", "no-store");
  }

  private void logout(Context ctx) {
    verifyCsrf(ctx);
    String id = ctx.cookie(sessionCookie);
    if (id != null) {
      sessions.end(id);
    }
    clearCookie(ctx, sessionCookie);
    ctx.status(303).header("Location", "/login").header("Cache-Control", "no-store");
  }

  private void oidcStart(Context ctx) {
    OidcLogin upstream = oidc;
    if (upstream == null) {
      Pages.message(
          ctx,
          404,
          "Not available",
          "Login through an organisation account is not set up here.",
          "/login",
          "Log in with a user name and password");
      return;
    }
    upstream.start(ctx, SafeRedirect.path(ctx.queryParam("next")).orElse(""), this::setCookie);
  }

  private void oidcCallback(Context ctx) {
    OidcLogin upstream = oidc;
    if (upstream == null) {
      Pages.message(
          ctx,
          404,
          "Not available",
          "Login through an organisation account is not set up here.",
          "/login",
          "Log in with a user name and password");
      return;
    }
    Optional<OidcLogin.Success> success = upstream.callback(ctx, this::clearCookie);
    if (success.isPresent()) {
      startSession(ctx, success.get().person());
      LOG.info(
          "{} logged in through {}", success.get().person().id(), success.get().person().login());
      String next = success.get().next();
      ctx.status(303)
          .header("Location", next.isEmpty() ? "/login" : next)
          .header("Cache-Control", "no-store");
    }
  }

  /** Rotates the session: the one the browser had before (if any) ends; a new id is issued. */
  private void startSession(Context ctx, Person person) {
    String old = ctx.cookie(sessionCookie);
    if (old != null) {
      sessions.end(old);
    }
    Sessions.Created created = sessions.create(person);
    setCookie(ctx, sessionCookie, created.id(), null);
    clearCookie(ctx, preSessionCookie);
    ctx.attribute(CURRENT, new Identified(Optional.of(person)));
  }

  // ---------------------------------------------------------------------------------------------
  // Identification.

  /**
   * What identification found for one request (cached in a request attribute).
   *
   * @param person who, if anyone
   * @param asserter the front end that asserted them, when they came by a person assertion
   * @param refusal why the request is refused outright (a bad or ambiguous assertion), else null
   */
  private record Identified(
      Optional<Person> person, @Nullable String asserter, @Nullable Problem refusal) {
    Identified(Optional<Person> person) {
      this(person, null, null);
    }

    static Identified refused(int status, String detail) {
      return new Identified(Optional.empty(), null, new Problem(status, detail));
    }
  }

  /** A refusal to answer as problem+json. */
  private record Problem(int status, String detail) {}

  private static final int MAX_ASSERTION = 8192;

  private Identified identify(Context ctx) {
    String assertion = ctx.header(PersonAssertions.HEADER);
    if (assertion != null) {
      return identifyAsserted(ctx, assertion);
    }
    Optional<Sessions.Session> session = session(ctx);
    if (session.isPresent()) {
      return new Identified(Optional.of(session.get().person()));
    }
    Optional<String[]> basic = basicCredentials(ctx);
    if (basic.isEmpty()) {
      return new Identified(Optional.empty());
    }
    String userName = basic.get()[0];
    Optional<Duration> wait = throttle.blocked(userName, ctx.ip());
    if (wait.isPresent()) {
      ctx.attribute(THROTTLED, wait.get());
      return new Identified(Optional.empty());
    }
    return new Identified(
        checkPassword(userName, basic.get()[1], ctx.ip()).map(UsersFile.User::person));
  }

  private Identified identifyAsserted(Context ctx, String assertion) {
    if (ctx.cookie(sessionCookie) != null || ctx.header("Authorization") != null) {
      // Two identities in one request: acting on either could be the wrong person's act.
      return Identified.refused(
          400,
          "the request carries a person assertion and a session cookie or credentials; send one");
    }
    PersonAssertions trusted = assertions;
    if (trusted == null) {
      LOG.warn(
          "Person assertion from {} refused: {} is not set here",
          ctx.ip(),
          PeopleConfig.ASSERTION_SECRET_FILE);
      return Identified.refused(401, "this service does not accept person assertions");
    }
    if (assertion.length() > MAX_ASSERTION) {
      LOG.warn(
          "Person assertion from {} refused: {} characters long", ctx.ip(), assertion.length());
      return Identified.refused(401, "the person assertion is not valid");
    }
    PersonAssertions.Verification verification = trusted.verify(assertion.strip(), audience);
    if (verification instanceof PersonAssertions.Asserted asserted) {
      return new Identified(Optional.of(asserted.person()), asserted.asserter(), null);
    }
    LOG.warn(
        "Person assertion from {} refused: {}",
        ctx.ip(),
        safeEcho(((PersonAssertions.Refused) verification).reason()));
    return Identified.refused(401, "the person assertion is not valid");
  }

  private Optional<UsersFile.User> checkPassword(String userName, String password, String address) {
    Optional<UsersFile.User> user = directory.user(userName);
    boolean ok =
        user.isPresent()
            ? PasswordHashes.matches(password, user.get().passwordHash())
            : PasswordHashes.matchesNothing(password);
    if (!ok) {
      throttle.failed(userName, address);
      LOG.info("Failed login for user name {} from {}", safeEcho(userName), address);
      return Optional.empty();
    }
    throttle.succeeded(userName);
    return user;
  }

  private Optional<Sessions.Session> session(Context ctx) {
    String id = ctx.cookie(sessionCookie);
    if (id == null || !Sessions.looksLikeToken(id)) {
      return Optional.empty();
    }
    return sessions.find(id);
  }

  /** User name and password of an {@code Authorization: Basic} header, when well formed. */
  private static Optional<String[]> basicCredentials(Context ctx) {
    String header = ctx.header("Authorization");
    if (header == null || header.length() > 4096) {
      return Optional.empty();
    }
    String[] parts = header.trim().split(" +", 2);
    if (parts.length != 2 || !parts[0].equalsIgnoreCase("Basic")) {
      return Optional.empty();
    }
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(parts[1].trim()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    int colon = decoded.indexOf(':');
    if (colon <= 0 || colon > MAX_USER_NAME || decoded.length() - colon - 1 > MAX_PASSWORD) {
      return Optional.empty();
    }
    return Optional.of(new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)});
  }

  private static @Nullable String sentCsrf(Context ctx) {
    String header = ctx.header(CSRF_HEADER);
    if (header != null) {
      return header;
    }
    String contentType = Optional.ofNullable(ctx.contentType()).orElse("");
    if (contentType.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")
        || contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
      return ctx.formParam(CSRF_FIELD);
    }
    return null;
  }

  private String preSessionToken(String nonce) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(csrfKey, "HmacSHA256"));
      byte[] tag = mac.doFinal(("login-csrf:" + nonce).getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(tag);
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  private static boolean constantTimeEquals(String a, String b) {
    return MessageDigest.isEqual(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  // ---------------------------------------------------------------------------------------------
  // Answers.

  /**
   * A refusal whose answer is already in the context; the gate's exception handler renders it
   * again, so error handlers installed for {@link HttpResponseException} in general cannot replace
   * it with a generic body.
   */
  static final class Refusal extends HttpResponseException {
    private static final long serialVersionUID = 1L;
    private final transient Consumer<Context> renderer;

    Refusal(int status, Consumer<Context> renderer) {
      super(status, "refused");
      this.renderer = renderer;
    }

    void render(Context ctx) {
      renderer.accept(ctx);
    }
  }

  private static Refusal refuse(Context ctx, int status, Consumer<Context> renderer) {
    renderer.accept(ctx);
    return new Refusal(status, renderer);
  }

  private static Refusal forged(Context ctx, String why) {
    return refuse(
        ctx,
        403,
        c -> {
          if (acceptsHtml(c)) {
            Pages.message(
                c,
                403,
                "Request refused",
                "Tokenwatch refused this request: " + why + ".",
                "/login",
                "Back to Tokenwatch");
          } else {
            problem(c, 403, why);
          }
        });
  }

  private static void problem(Context ctx, int status, String detail) {
    JsonErrors.respond(ctx, ErrorFormat.PROBLEM, status, detail);
  }

  static boolean isBrowser(Context ctx) {
    String method = ctx.method().name();
    return (method.equals("GET") || method.equals("HEAD")) && acceptsHtml(ctx);
  }

  private static boolean acceptsHtml(Context ctx) {
    String accept = ctx.header("Accept");
    return accept != null && accept.toLowerCase(Locale.ROOT).contains("text/html");
  }

  /** Sets a cookie; {@code maxAge} null: a session cookie that ends with the browser. */
  void setCookie(Context ctx, String name, String value, @Nullable Duration maxAge) {
    StringBuilder cookie = new StringBuilder(name).append('=').append(value).append("; Path=/");
    if (maxAge != null) {
      cookie.append("; Max-Age=").append(maxAge.toSeconds());
    }
    if (cookieSecure) {
      cookie.append("; Secure");
    }
    cookie.append("; HttpOnly; SameSite=Lax");
    ctx.res().addHeader("Set-Cookie", cookie.toString());
  }

  void clearCookie(Context ctx, String name) {
    setCookie(ctx, name, "", Duration.ZERO);
  }

  String cookieName(String base) {
    return (cookieSecure ? "__Host-" : "") + base;
  }

  /** A user name fit to show back or log: at most the allowed length, printable characters only. */
  static String safeEcho(String userName) {
    String cut =
        userName.length() > MAX_USER_NAME ? userName.substring(0, MAX_USER_NAME) : userName;
    return cut.codePoints()
        .filter(c -> !Character.isISOControl(c))
        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
        .toString();
  }

  private static String minutes(Duration wait) {
    long minutes = Math.max(1, (wait.toSeconds() + 59) / 60);
    return minutes == 1 ? "a minute" : minutes + " minutes";
  }

  private static String origin(String publicUrl) {
    URI uri = URI.create(publicUrl);
    if (uri.getScheme() == null || uri.getHost() == null) {
      throw new IllegalArgumentException("publicUrl must be an absolute http(s) URL: " + publicUrl);
    }
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    int port = uri.getPort();
    boolean defaultPort =
        port == -1
            || (scheme.equals("http") && port == 80)
            || (scheme.equals("https") && port == 443);
    return scheme
        + "://"
        + uri.getHost().toLowerCase(Locale.ROOT)
        + (defaultPort ? "" : ":" + port);
  }
}
