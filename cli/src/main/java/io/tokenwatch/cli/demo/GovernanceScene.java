package io.tokenwatch.cli.demo;

import static io.tokenwatch.cli.demo.Narrator.shortId;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * The people's side of delegation, inside the traffic: alice lets an assistant act for her with one
 * of the two scopes it asks for; bob asks for a high-risk scope, cannot approve his own request,
 * and gets it once two approvers agree; alice withdraws her consent and every validator denies the
 * assistant's token. Each step goes through the issuer's real pages and APIs.
 */
final class GovernanceScene {

  private static final Duration PROPAGATION_BUDGET = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String issuerUrl;
  private final IssuerClient issuer;
  private final Map<String, String> passwords;
  private final List<Gateway> gateways;
  private final Propagation propagation;
  private final Ledger ledger;
  private final Narrator narrator;
  private final HttpClient http;

  GovernanceScene(
      String issuerUrl,
      IssuerClient issuer,
      Map<String, String> passwords,
      List<Gateway> gateways,
      Propagation propagation,
      Ledger ledger,
      Narrator narrator) {
    this.issuerUrl = issuerUrl;
    this.issuer = issuer;
    this.passwords = Map.copyOf(passwords);
    this.gateways = List.copyOf(gateways);
    this.propagation = propagation;
    this.ledger = ledger;
    this.narrator = narrator;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  void run() {
    WebUser alice = person("alice");
    String token = aliceConsentsToASubset(alice);
    LockSupport.parkNanos(Duration.ofSeconds(1).toNanos());
    bobAsksForAHighRiskScope();
    LockSupport.parkNanos(Duration.ofSeconds(1).toNanos());
    aliceWithdrawsHerConsent(alice, token);
  }

  /** alice lets the assistant read her orders (not export them); returns its token for her. */
  String aliceConsentsToASubset(WebUser alice) {
    narrator.line("");
    narrator.say(
        "SCENE",
        DemoPolicy.ASSISTANT
            + " asks alice to let it read and export her orders; she allows reading only");
    String verifier = random(32);
    String state = random(16);
    String authorize =
        "/authorize?"
            + query(
                Map.of(
                    "response_type",
                    "code",
                    "client_id",
                    DemoPolicy.ASSISTANT,
                    "redirect_uri",
                    DemoPolicy.ASSISTANT_REDIRECT,
                    "scope",
                    "orders:read orders:export",
                    "audience",
                    DemoPolicy.ORDERS,
                    "state",
                    state,
                    "nonce",
                    random(16),
                    "code_challenge",
                    challenge(verifier),
                    "code_challenge_method",
                    "S256",
                    "purpose",
                    "Summarise your orders every Monday"));
    WebUser.Page first = alice.get(authorize);
    require(first.redirect() && first.location().contains("/login"), "login first", first);
    WebUser.Page loggedIn = alice.logIn(first);
    require(loggedIn.redirect(), "alice's login", loggedIn);
    WebUser.Page consent = alice.get(loggedIn.location());
    require(consent.status() == 200, "the consent page", consent);
    boolean marked = consent.body().contains("High risk");
    narrator.say(
        "CONSENT",
        "alice sees what each scope lets the assistant do, for how long and why"
            + (marked ? "; orders:export is marked high risk and not ticked" : ""));
    if (!marked) {
      ledger.fail("the consent page does not mark orders:export as high risk");
    }
    Map<String, String> form = new LinkedHashMap<>();
    form.put("csrf", consent.hidden("csrf"));
    form.put("request", consent.hidden("request"));
    form.put("scope", "orders:read");
    form.put("decision", "approve");
    WebUser.Page approved = alice.post("/authorize", form);
    require(
        approved.redirect() && approved.location().startsWith(DemoPolicy.ASSISTANT_REDIRECT),
        "the consent",
        approved);
    Map<String, String> callback = parameters(URI.create(approved.location()).getRawQuery());
    if (!state.equals(callback.get("state"))) {
      ledger.fail("the callback's state is not the one the assistant sent");
    }
    String code = callback.getOrDefault("code", "");
    IssuerClient.Answer tokens =
        issuer.authorizationCode(
            DemoPolicy.ASSISTANT, code, DemoPolicy.ASSISTANT_REDIRECT, verifier);
    if (!tokens.ok()) {
      throw new IllegalStateException(
          "the code redemption answered " + tokens.status() + ": " + tokens.body());
    }
    ledger.issued.increment();
    String token = tokens.accessToken();
    JsonNode claims = IssuerClient.claims(token);
    narrator.say(
        "ISSUED",
        DemoPolicy.ASSISTANT
            + " token "
            + shortId(claims.path("jti").asText())
            + " for alice: scope '"
            + claims.path("scope").asText()
            + "', grant "
            + claims.path("grant_id").asText());
    Gateway.Verdict read = gateways.get(0).authorize(token, "/orders/17", "10.30.0.5", null);
    Gateway.Verdict export = gateways.get(1).authorize(token, "/orders/export", "10.30.0.5", null);
    if (read.allowed()) {
      ledger.allowed.increment();
    } else {
      ledger.fail("alice's consented read was denied: HTTP " + read.status());
    }
    if (export.allowed()) {
      ledger.fail("the export alice did not allow was allowed");
    } else {
      ledger.denied.increment();
      narrator.say(
          "DENIED",
          "the assistant's export for alice: HTTP " + export.status() + " (she did not allow it)");
    }
    // A replayed code is refused, and RFC 6749 section 4.1.2 says to revoke what it produced;
    // the demo keeps the consent, so it does not replay here (the tests do).
    return token;
  }

  private void bobAsksForAHighRiskScope() {
    narrator.line("");
    narrator.say(
        "SCENE", "bob asks for orders:export for orders-service (high risk: two approvers)");
    ObjectNode body = JSON.createObjectNode();
    body.put("client_id", "orders-service");
    body.put("audience", DemoPolicy.ORDERS);
    body.putArray("scopes").add("orders:export");
    body.put("purpose", "Quarter-end export for finance");
    body.put("duration", "PT1H");
    Answer created = call("bob", "/access-requests", body);
    require(created.status() == 201, "bob's access request", created);
    String id = created.body().path("id").asText();
    narrator.say(
        "REQUEST",
        id
            + " by bob, pending, needs "
            + created.body().path("approvals_required").asInt()
            + " approvals");

    Answer own = call("bob", "/access-requests/" + id + "/approve", JSON.createObjectNode());
    if (own.status() == 403) {
      narrator.say(
          "REFUSED",
          "bob approves his own request: HTTP 403, "
              + own.body().path("detail").asText(own.body().path("rule").asText()));
    } else {
      ledger.fail("bob approved his own request: HTTP " + own.status());
    }
    Answer carol =
        call("carol", "/access-requests/" + id + "/approve", comment("ok for the quarter"));
    require(carol.status() == 200, "carol's approval", carol);
    narrator.say(
        "APPROVED", "carol approves: " + carol.body().path("status").asText() + ", 1 of 2");
    Answer dave = call("dave", "/access-requests/" + id + "/approve", comment("agreed"));
    require(dave.status() == 200, "dave's approval", dave);
    String exception = dave.body().path("exception_id").asText();
    narrator.say(
        "APPROVED",
        "dave approves: "
            + dave.body().path("status").asText()
            + ", exception "
            + exception
            + " for an hour");

    // Every route matching GET /orders/export applies: /orders/** needs orders:read as well.
    IssuerClient.Answer answer =
        issuer.clientCredentials("orders-service", "orders:read orders:export", Map.of());
    if (!answer.ok()) {
      ledger.fail(
          "orders-service got no export token under the approved exception: " + answer.body());
      return;
    }
    ledger.issued.increment();
    String token = answer.accessToken();
    narrator.say(
        "ISSUED",
        "orders-service token "
            + shortId(IssuerClient.claims(token).path("jti").asText())
            + " with '"
            + IssuerClient.claims(token).path("scope").asText()
            + "', rule "
            + IssuerClient.claims(token).path("rule_id").asText(exception));
    Gateway.Verdict export = gateways.get(2).authorize(token, "/orders/export", "10.20.0.11", null);
    if (export.allowed()) {
      ledger.allowed.increment();
    } else {
      ledger.fail(
          "the export under the approved exception was denied: HTTP "
              + export.status()
              + " "
              + export.challenge());
    }
  }

  private void aliceWithdrawsHerConsent(WebUser alice, String token) {
    narrator.line("");
    narrator.say("SCENE", "alice withdraws the assistant's consent on her consents page");
    String grant = IssuerClient.claims(token).path("grant_id").asText();
    WebUser.Page page = alice.get("/consents");
    require(page.status() == 200 && page.body().contains(grant), "alice's consents page", page);
    WebUser.Page withdrawn =
        alice.post("/consents/" + grant + "/withdraw", Map.of("csrf", page.hidden("csrf")));
    require(withdrawn.status() < 400, "the withdrawal", withdrawn);
    long revokedAt = System.nanoTime();
    narrator.say("WITHDRAWN", "consent " + grant + ": one revocation of grant:" + grant);
    ledger.revoked(token, "the assistant's token after alice withdrew her consent");
    if (propagation.await(token, revokedAt, PROPAGATION_BUDGET)) {
      narrator.say(
          "",
          String.format(
              java.util.Locale.ROOT,
              "all %d validators deny the assistant's token after %.1f ms",
              gateways.size(),
              (System.nanoTime() - revokedAt) / 1e6));
    } else {
      ledger.fail(
          "the consent withdrawal did not reach every validator within " + PROPAGATION_BUDGET);
    }
    Gateway.Verdict after = gateways.get(0).authorize(token, "/orders/17", "10.30.0.5", null);
    if (after.deniedAsRevoked()) {
      ledger.denied.increment();
      narrator.say("DENIED", "the assistant reads alice's orders again: revoked");
    } else {
      ledger.fail(
          "the assistant's token was not denied after the withdrawal: HTTP " + after.status());
    }
  }

  WebUser person(String name) {
    return new WebUser(name, password(name), issuerUrl);
  }

  private String password(String name) {
    String password = passwords.get(name);
    if (password == null) {
      throw new IllegalStateException("no demo password for " + name);
    }
    return password;
  }

  /** An answer of the access-request API. */
  private record Answer(int status, JsonNode body) {}

  private Answer call(String person, String path, JsonNode body) {
    String credentials =
        Base64.getEncoder()
            .encodeToString((person + ":" + password(person)).getBytes(StandardCharsets.UTF_8));
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(issuerUrl + path))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Basic " + credentials)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
            .build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      JsonNode json =
          response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
      return new Answer(response.statusCode(), json);
    } catch (IOException e) {
      throw new IllegalStateException("the access-request API did not answer " + path, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static ObjectNode comment(String text) {
    return JSON.createObjectNode().put("comment", text);
  }

  private static void require(boolean condition, String what, Object answer) {
    if (!condition) {
      throw new IllegalStateException(what + " did not go as expected: " + answer);
    }
  }

  private static String query(Map<String, String> parameters) {
    StringBuilder query = new StringBuilder();
    parameters.forEach(
        (key, value) -> {
          if (query.length() > 0) {
            query.append('&');
          }
          query
              .append(URLEncoder.encode(key, StandardCharsets.UTF_8))
              .append('=')
              .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
        });
    return query.toString();
  }

  private static Map<String, String> parameters(String rawQuery) {
    Map<String, String> parameters = new LinkedHashMap<>();
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        parameters.put(
            URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return parameters;
  }

  private static String random(int bytes) {
    byte[] value = new byte[bytes];
    RANDOM.nextBytes(value);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(value);
  }

  private static String challenge(String verifier) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing", e);
    }
  }
}
