package io.tokenwatch.issuer.http;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.tokenwatch.issuer.EventLogUnavailableException;
import io.tokenwatch.issuer.consent.AuthorizationRequest;
import io.tokenwatch.issuer.consent.AuthorizationRequests;
import io.tokenwatch.issuer.consent.Consent;
import io.tokenwatch.issuer.consent.ConsentService;
import io.tokenwatch.issuer.consent.PendingRequests;
import io.tokenwatch.issuer.policy.AudienceRule;
import io.tokenwatch.issuer.policy.ClientPolicy;
import io.tokenwatch.issuer.policy.OAuthError;
import io.tokenwatch.issuer.policy.Policy;
import io.tokenwatch.issuer.policy.RiskLevel;
import io.tokenwatch.issuer.policy.ScopeDefinition;
import io.tokenwatch.people.PeopleGate;
import io.tokenwatch.people.Person;
import io.tokenwatch.people.Role;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The person's side of user consent, server-rendered: {@code GET /authorize} (RFC 6749 section
 * 4.1.1 with PKCE) shows the consent page to the logged-in person, {@code POST /authorize} takes
 * their answer (CSRF-checked) and sends them back to the client with a code or {@code
 * access_denied}; {@code GET /consents} lists their consents in force and {@code POST
 * /consents/{id}/withdraw} withdraws one. Before the client's redirect URI is known good, every
 * error is an HTML page, never a redirect.
 */
public final class ConsentPages {

  private static final Logger LOG = LoggerFactory.getLogger(ConsentPages.class);

  /** The longest query string {@code /authorize} reads. */
  static final int MAX_QUERY_LENGTH = 4096;

  private static final TemplateEngine ENGINE =
      TemplateEngine.createPrecompiled(
          null,
          ContentType.Html,
          ConsentPages.class.getClassLoader(),
          "io.tokenwatch.issuer.pages");

  private static final DateTimeFormatter DAY =
      DateTimeFormatter.ofPattern("d MMMM uuuu, HH:mm 'UTC'", Locale.ENGLISH)
          .withZone(ZoneOffset.UTC);

  private final ConsentService consents;
  private final PendingRequests pending;
  private final Supplier<Policy> policy;
  private final PeopleGate people;
  private final Clock clock;
  private final String issuerUrl;

  /** One scope as the consent page shows it. */
  public record ScopeRow(
      String name, String description, String risk, boolean high, boolean checked) {}

  /** One consent as the consents page shows it. */
  public record ConsentRow(
      String id,
      String clientId,
      String audience,
      String scopes,
      String purpose,
      String since,
      String until) {}

  /**
   * @param consents gives and withdraws consents
   * @param policy the policy in force
   * @param people who is logged in
   * @param clock the time source
   * @param issuerUrl the issuer URL, sent back as {@code iss} with codes and errors (RFC 9207)
   */
  public ConsentPages(
      ConsentService consents,
      Supplier<Policy> policy,
      PeopleGate people,
      Clock clock,
      String issuerUrl) {
    this.consents = requireNonNull(consents, "consents");
    this.policy = requireNonNull(policy, "policy");
    this.people = requireNonNull(people, "people");
    this.clock = requireNonNull(clock, "clock");
    this.issuerUrl = requireNonNull(issuerUrl, "issuerUrl");
    this.pending = new PendingRequests(clock);
  }

  /** Adds the routes; the people gate's own (login) routes are added by whoever runs the gate. */
  public void configure(JavalinConfig config) {
    config.routes.get("/authorize", this::authorize);
    config.routes.post("/authorize", this::decide);
    config.routes.get("/consents", this::list);
    config.routes.post("/consents/{id}/withdraw", this::withdraw);
  }

  private void authorize(Context ctx) {
    String query = ctx.queryString();
    if (query != null && query.length() > MAX_QUERY_LENGTH) {
      errorPage(ctx, 400, "The request is too long to be an authorization request.");
      return;
    }
    Map<String, List<String>> params;
    try {
      params = ctx.queryParamMap();
    } catch (RuntimeException e) {
      errorPage(ctx, 400, "The request's parameters are not well formed.");
      return;
    }
    Policy current = policy.get();
    AuthorizationRequests.Reading reading = AuthorizationRequests.read(params, current);
    if (reading instanceof AuthorizationRequests.Reading.Invalid invalid) {
      errorPage(ctx, 400, invalid.detail());
      return;
    }
    if (reading instanceof AuthorizationRequests.Reading.Refused refused) {
      redirect(
          ctx,
          refused.redirectUri(),
          error(refused.error(), refused.description(), refused.state()));
      return;
    }
    AuthorizationRequests.Reading.Valid valid = (AuthorizationRequests.Reading.Valid) reading;
    Person person = people.require(ctx);
    String requestId = pending.add(valid.request(), valid.rule(), person.id());
    // The form's answer is a redirect to the client: the browser checks it against form-action.
    render(
        ctx,
        200,
        "consent.jte",
        consentModel(person, valid, current, requestId, ctx),
        origin(valid.request().redirectUri()));
  }

  private Map<String, Object> consentModel(
      Person person,
      AuthorizationRequests.Reading.Valid valid,
      Policy current,
      String requestId,
      Context ctx) {
    AuthorizationRequest request = valid.request();
    ClientPolicy client = valid.client();
    AudienceRule rule = valid.rule();
    List<ScopeRow> scopes = new ArrayList<>();
    for (String name : request.scopes()) {
      ScopeDefinition definition = current.scopes().get(name);
      RiskLevel risk = definition == null ? RiskLevel.CRITICAL : definition.risk();
      boolean high = risk == RiskLevel.HIGH || risk == RiskLevel.CRITICAL;
      scopes.add(
          new ScopeRow(
              name,
              definition == null ? "(no description in the policy)" : definition.description(),
              risk.name().toLowerCase(Locale.ROOT),
              high,
              // Least privilege by default: high-risk scopes are ticked by the person, not for
              // them.
              !high));
    }
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("person", person.name());
    model.put("clientId", client.clientId());
    model.put("clientDescription", client.description() == null ? "" : client.description());
    model.put("audience", request.audience());
    model.put("purpose", request.purpose());
    model.put("consentFor", words(rule.consentTtl()));
    model.put("consentUntil", DAY.format(clock.instant().plus(rule.consentTtl())));
    model.put("tokenLife", words(rule.defaultTtl()));
    model.put("refreshLife", rule.refreshTtl() == null ? "" : words(rule.refreshTtl()));
    model.put("openid", request.openid());
    model.put("scopes", scopes);
    model.put("csrf", people.csrfToken(ctx));
    model.put("requestId", requestId);
    return model;
  }

  private void decide(Context ctx) {
    Person person = people.require(ctx);
    people.verifyCsrf(ctx);
    FormBody.Form form;
    try {
      form = FormBody.parse(ctx.body(), Set.of("scope"));
    } catch (FormBody.MalformedFormException e) {
      errorPage(ctx, 400, "The form is not well formed; go back to the client and start again.");
      return;
    }
    String requestId = form.params().get("request");
    String decision = form.params().get("decision");
    if (requestId == null || decision == null) {
      errorPage(ctx, 400, "The form is incomplete; go back to the client and start again.");
      return;
    }
    PendingRequests.Pending answered = pending.take(requestId, person.id()).orElse(null);
    if (answered == null) {
      errorPage(
          ctx,
          400,
          "This consent request has expired or was already answered; go back to the client and"
              + " start again.");
      return;
    }
    AuthorizationRequest request = answered.request();
    if (!decision.equals("approve")) {
      redirect(
          ctx,
          request.redirectUri(),
          error(OAuthError.ACCESS_DENIED, "the person denied the request", request.state()));
      return;
    }
    Set<String> ticked = new LinkedHashSet<>(form.all("scope"));
    ConsentService.Approval approval;
    try {
      approval =
          consents.approve(
              person.id(), person.login(), request, answered.rule(), policy.get(), ticked);
    } catch (EventLogUnavailableException e) {
      LOG.warn("Could not record a consent of {}: {}", person.id(), e.getMessage());
      errorPage(ctx, 503, "Your consent could not be recorded right now; try again shortly.");
      return;
    }
    if (approval instanceof ConsentService.Approval.Refused refused) {
      errorPage(
          ctx,
          400,
          "Nothing was granted: " + refused.detail() + ". Go back to the client and start again.");
      return;
    }
    ConsentService.Approval.Approved approved = (ConsentService.Approval.Approved) approval;
    Map<String, String> params = new LinkedHashMap<>();
    params.put("code", approved.code());
    params.put("state", request.state());
    params.put("iss", issuerUrl);
    redirect(ctx, request.redirectUri(), params);
  }

  private void list(Context ctx) {
    Person person = people.require(ctx);
    List<Consent> mine = consents.registry().activeFor(person.id(), clock.instant());
    if (wantsJson(ctx)) {
      ArrayNode list = Answers.JSON.createArrayNode();
      for (Consent consent : mine) {
        ObjectNode row = list.addObject();
        row.put("consent_id", consent.id());
        row.put("client_id", consent.clientId());
        row.put("audience", consent.audience());
        row.putArray("scopes").addAll(consent.scopes().stream().map(list::textNode).toList());
        row.put("purpose", consent.purpose());
        row.put("granted_at", consent.grantedAt().toString());
        row.put("expires_at", consent.expiresAt().toString());
      }
      ObjectNode body = Answers.JSON.createObjectNode();
      body.put("user", person.id());
      body.set("consents", list);
      ctx.header("Cache-Control", "no-store");
      Answers.json(ctx, 200, body);
      return;
    }
    List<ConsentRow> rows = new ArrayList<>();
    for (Consent consent : mine) {
      rows.add(
          new ConsentRow(
              consent.id(),
              consent.clientId(),
              consent.audience(),
              String.join(", ", consent.scopes()),
              consent.purpose(),
              DAY.format(consent.grantedAt()),
              DAY.format(consent.expiresAt())));
    }
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("person", person.name());
    model.put("consents", rows);
    model.put("csrf", people.csrfToken(ctx));
    model.put("notice", noticeOf(ctx.queryParam("withdrawn")));
    render(ctx, 200, "consents.jte", model);
  }

  private void withdraw(Context ctx) {
    Person person = people.require(ctx);
    people.verifyCsrf(ctx);
    String id = ctx.pathParam("id");
    ConsentService.Withdrawal withdrawal;
    try {
      withdrawal = consents.withdrawByUser(id, person.id());
      if (withdrawal instanceof ConsentService.Withdrawal.NotFound && person.has(Role.ADMIN)) {
        withdrawal = consents.withdrawByAdmin(id, person.id(), null);
      }
    } catch (EventLogUnavailableException e) {
      LOG.warn("Could not withdraw consent {}: {}", id, e.getMessage());
      if (wantsJson(ctx)) {
        Answers.problem(ctx, 503, "the withdrawal could not be recorded right now; retry shortly");
      } else {
        errorPage(ctx, 503, "The withdrawal could not be recorded right now; try again shortly.");
      }
      return;
    }
    if (withdrawal instanceof ConsentService.Withdrawal.Withdrawn withdrawn) {
      if (wantsJson(ctx)) {
        ObjectNode body = Answers.JSON.createObjectNode();
        body.put("consent_id", withdrawn.consent().id());
        body.put("revoked", withdrawn.selector());
        Answers.json(ctx, 200, body);
      } else {
        ctx.status(303)
            .header("Cache-Control", "no-store")
            .header("Location", "/consents?withdrawn=" + encode(withdrawn.consent().clientId()));
      }
      return;
    }
    if (wantsJson(ctx)) {
      Answers.problem(ctx, 404, "no consent of yours in force has that id");
    } else {
      errorPage(ctx, 404, "No consent of yours in force has that id; nothing was withdrawn.");
    }
  }

  private static String noticeOf(@Nullable String withdrawnClient) {
    if (withdrawnClient == null || withdrawnClient.length() > 200) {
      return "";
    }
    return "Withdrawn: "
        + withdrawnClient
        + " can no longer act for you, and every token it held for you is revoked.";
  }

  private static boolean wantsJson(Context ctx) {
    String accept = ctx.header("Accept");
    return accept != null && accept.contains("json") && !accept.contains("text/html");
  }

  private Map<String, String> error(OAuthError error, String description, @Nullable String state) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("error", error.code());
    params.put("error_description", description);
    if (state != null) {
      params.put("state", state);
    }
    params.put("iss", issuerUrl);
    return params;
  }

  /** Sends the browser to a registered redirect URI (the only kind this class is given). */
  private static void redirect(Context ctx, String redirectUri, Map<String, String> params) {
    StringBuilder location = new StringBuilder(redirectUri);
    char separator = redirectUri.contains("?") ? '&' : '?';
    for (Map.Entry<String, String> param : params.entrySet()) {
      location
          .append(separator)
          .append(encode(param.getKey()))
          .append('=')
          .append(encode(param.getValue()));
      separator = '&';
    }
    ctx.status(303)
        .header("Cache-Control", "no-store")
        .header("Referrer-Policy", "no-referrer")
        .header("Location", location.toString());
  }

  /** The origin of a registered redirect URI ({@code scheme://host[:port]}). */
  private static String origin(String redirectUri) {
    java.net.URI uri = java.net.URI.create(redirectUri);
    return uri.getScheme() + "://" + uri.getRawAuthority();
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static void errorPage(Context ctx, int status, String message) {
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("title", status >= 500 ? "Try again shortly" : "This request cannot be answered");
    model.put("message", message);
    render(ctx, status, "consent_error.jte", model);
  }

  private static void render(Context ctx, int status, String template, Map<String, Object> model) {
    render(ctx, status, template, model, "");
  }

  private static void render(
      Context ctx, int status, String template, Map<String, Object> model, String formTarget) {
    StringOutput output = new StringOutput();
    ENGINE.render(template, model, output);
    ctx.status(status)
        .header("Cache-Control", "no-store")
        .header("X-Frame-Options", "DENY")
        .header(
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"
                + (formTarget.isEmpty() ? "" : " " + formTarget)
                + "; frame-ancestors 'none'")
        // "no-referrer" would make browsers send "Origin: null" with the page's forms, which the
        // CSRF check refuses; same-origin keeps the origin and tells other sites nothing.
        .header("Referrer-Policy", "same-origin")
        .contentType("text/html;charset=utf-8")
        .result(output.toString());
  }

  /** A duration in plain words: "30 days", "5 minutes", "1 hour 30 minutes". */
  static String words(Duration duration) {
    long seconds = duration.toSeconds();
    List<String> parts = new ArrayList<>();
    long[] units = {86_400, 3_600, 60, 1};
    String[] names = {"day", "hour", "minute", "second"};
    for (int i = 0; i < units.length && parts.size() < 2; i++) {
      long count = seconds / units[i];
      if (count > 0) {
        parts.add(count + " " + names[i] + (count == 1 ? "" : "s"));
        seconds -= count * units[i];
      }
    }
    return parts.isEmpty() ? "0 seconds" : String.join(" ", parts);
  }
}
