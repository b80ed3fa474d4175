package io.tokenwatch.cli.demo;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo's issuance policy, with a fresh random secret per client (only their hashes go into the
 * file), so no demo credential is ever published or reused between runs.
 */
public final class DemoPolicy {

  /** The resource server every demo client calls, and the validators protect. */
  public static final String ORDERS = "https://orders.example.com";

  /** The machine clients of the normal workload, each its own subject. */
  static final List<String> SERVICES =
      List.of("orders-service", "inventory-service", "billing-service", "shipping-service");

  /** The audit sink's API audience and scope (its defaults). */
  static final String AUDIT_AUDIENCE = "urn:tokenwatch:audit";

  static final String AUDIT_SCOPE = "audit:read";

  static final String AGENT = "reporting-agent";
  public static final String ADMIN = "security-console";

  /** The SaaS app outside Kafka that receives revocations through Shared Signals. */
  static final String SSF_RECEIVER = "ssf-receiver";

  /** The Shared Signals transmitter's audience and the scopes its receivers need (its defaults). */
  static final String SSF_AUDIENCE = "urn:tokenwatch:ssf";

  static final String SSF_SCOPES = "ssf:read ssf:manage ssf:poll";

  /** The app people let act for them (authorization code + PKCE, consent page). */
  static final String ASSISTANT = "orders-assistant";

  /**
   * Its registered redirect URI: nothing listens there; the demo reads the code off the redirect.
   */
  static final String ASSISTANT_REDIRECT = "http://127.0.0.1:8765/callback";

  private final Map<String, String> secrets;

  private DemoPolicy(Map<String, String> secrets) {
    this.secrets = Map.copyOf(secrets);
  }

  /**
   * Writes the policy to {@code file}.
   *
   * @param issuerUrl the issuer's URL, the audience of its admin API
   */
  public static DemoPolicy write(Path file, String issuerUrl) {
    SecureRandom random = new SecureRandom();
    Map<String, String> secrets = new LinkedHashMap<>();
    for (String client : SERVICES) {
      secrets.put(client, secret(random));
    }
    secrets.put(AGENT, secret(random));
    secrets.put(ADMIN, secret(random));
    secrets.put(ASSISTANT, secret(random));
    secrets.put(SSF_RECEIVER, secret(random));

    StringBuilder yaml = new StringBuilder();
    yaml.append("# Written by tokenwatch demo with random secrets; only their hashes are here.\n")
        .append("policy_id: tokenwatch-demo\n\n")
        .append("scopes:\n")
        .append(scope("orders:read", "Read orders and their line items.", "low"))
        .append(scope("orders:write", "Create and change orders.", "medium"))
        .append(scope("orders:export", "Export all orders in bulk, with addresses.", "high"))
        .append(scope("payments:refund", "Refund a payment to the customer's card.", "critical"))
        .append(scope("tokenwatch:admin", "Call the issuer's admin API.", "critical"))
        .append(scope(AUDIT_SCOPE, "Read the audit history.", "high"))
        .append(scope("ssf:read", "Read your own Shared Signals streams.", "low"))
        .append(scope("ssf:manage", "Create and change your own Shared Signals streams.", "medium"))
        .append(scope("ssf:poll", "Poll your own Shared Signals streams.", "low"))
        .append("\nadmins: [")
        .append(ADMIN)
        .append("]\n")
        .append("admin_scope: tokenwatch:admin\n\n")
        // People revoke through the issuer (the console acts for them): one responder or admin
        // for a token, lineage or grant; a second one approves anything broader.
        .append("revocation_rights:\n")
        .append("  token:    {roles: [responder, admin], second_person: false}\n")
        .append("  lineage:  {roles: [responder, admin], second_person: false}\n")
        .append("  grant:    {roles: [responder, admin], second_person: false}\n")
        .append("  subject:  {roles: [responder, admin], second_person: true}\n")
        .append("  client:   {roles: [responder, admin], second_person: true}\n")
        .append("  audience: {roles: [responder, admin], second_person: true}\n\n")
        .append("clients:\n");
    for (String client : SERVICES) {
      yaml.append("  ")
          .append(client)
          .append(":\n")
          .append("    kind: machine\n")
          .append("    secret_sha256: ")
          .append(hash(requireNonNull(secrets.get(client), client)))
          .append('\n')
          .append("    audiences:\n")
          .append("      ")
          .append(ORDERS)
          .append(":\n")
          .append("        scopes: [orders:read, orders:write]\n")
          .append("        default_ttl: PT5M\n")
          .append("        max_ttl: PT15M\n");
    }
    yaml.append("  ")
        .append(AGENT)
        .append(":\n")
        .append("    kind: machine\n")
        .append("    secret_sha256: ")
        .append(hash(secrets.get(AGENT)))
        .append('\n')
        .append("    may_act_for_others: true\n")
        .append("    audiences:\n")
        .append("      ")
        .append(ORDERS)
        .append(":\n")
        .append("        scopes: [orders:read, orders:export]\n")
        .append("        default_ttl: PT5M\n")
        .append("        max_ttl: PT10M\n")
        .append("        max_uses: 50\n")
        .append("        binding: dpop\n")
        .append("        refresh_ttl: PT8H\n");
    yaml.append("  ")
        .append(ASSISTANT)
        .append(":\n")
        .append("    kind: machine\n")
        .append("    description: Orders assistant, an app that reads your orders for you.\n")
        .append("    secret_sha256: ")
        .append(hash(secrets.get(ASSISTANT)))
        .append('\n')
        .append("    redirect_uris: [")
        .append(ASSISTANT_REDIRECT)
        .append("]\n")
        .append("    may_act_for_others: true\n")
        .append("    audiences:\n")
        .append("      ")
        .append(ORDERS)
        .append(":\n")
        .append("        scopes: [orders:read, orders:export]\n")
        .append("        default_ttl: PT5M\n")
        .append("        max_ttl: PT10M\n")
        .append("        refresh_ttl: PT1H\n")
        .append("        user_consent: true\n")
        .append("        consent_ttl: P1D\n");
    yaml.append("  ")
        .append(ADMIN)
        .append(":\n")
        .append("    kind: machine\n")
        .append("    secret_sha256: ")
        .append(hash(secrets.get(ADMIN)))
        .append('\n')
        .append("    audiences:\n")
        .append("      ")
        .append(issuerUrl)
        .append(":\n")
        .append("        scopes: [tokenwatch:admin]\n")
        .append("        default_ttl: PT5M\n")
        .append("        max_ttl: PT10M\n")
        .append("      ")
        .append(AUDIT_AUDIENCE)
        .append(":\n")
        .append("        scopes: [")
        .append(AUDIT_SCOPE)
        .append("]\n")
        .append("        default_ttl: PT5M\n")
        .append("        max_ttl: PT10M\n");
    yaml.append("  ")
        .append(SSF_RECEIVER)
        .append(":\n")
        .append("    kind: machine\n")
        .append("    secret_sha256: ")
        .append(hash(secrets.get(SSF_RECEIVER)))
        .append('\n')
        .append("    audiences:\n")
        .append("      ")
        .append(SSF_AUDIENCE)
        .append(":\n")
        .append("        scopes: [")
        .append(String.join(", ", SSF_SCOPES.split(" ")))
        .append("]\n")
        .append("        default_ttl: PT5M\n")
        .append("        max_ttl: PT15M\n");
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, yaml, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the demo policy to " + file, e);
    }
    return new DemoPolicy(secrets);
  }

  /** The file, in the data directory, where {@link #writeCredentials} puts the clients' secrets. */
  public static final String CREDENTIALS_FILE = "demo-clients.txt";

  /**
   * Writes every demo client's id and secret, the token endpoint and ready-to-paste commands (an
   * admin token, the admin revocation API, an audit API token) to {@value #CREDENTIALS_FILE} in
   * {@code dataDir}, readable by its owner only: the secrets are random per run and written nowhere
   * else, so this file is how an operator uses a platform left running with {@code --keep-running}.
   *
   * @param issuerUrl the issuer's URL, as the operator reaches it
   * @return the file
   */
  public Path writeCredentials(Path dataDir, String issuerUrl) {
    String admin = ADMIN + ":" + secret(ADMIN);
    StringBuilder text = new StringBuilder();
    text.append(
            "# Demo clients of this Tokenwatch data directory: client id, secret. The secrets\n")
        .append("# are random, made for this run of tokenwatch demo (a new run makes new ones).\n")
        .append("# Token endpoint (client_secret_basic): ")
        .append(issuerUrl)
        .append("/oauth2/token\n");
    secrets.forEach(
        (client, secret) -> text.append(client).append(' ').append(secret).append('\n'));
    text.append("\n# An admin token (scope tokenwatch:admin, audience the issuer):\n")
        .append("curl -s -u ")
        .append(admin)
        .append(" -d grant_type=client_credentials -d audience=")
        .append(issuerUrl)
        .append(" -d scope=tokenwatch:admin ")
        .append(issuerUrl)
        .append("/oauth2/token\n")
        .append("# Revoke a token through the admin API as the security console (its jti for\n")
        .append("# TOKEN_ID; kind may also be grant, subject, client or audience):\n")
        .append("curl -s -u ")
        .append(admin)
        .append(" -H 'Content-Type: application/json'")
        .append(" -d '{\"kind\":\"token\",\"value\":\"TOKEN_ID\"}' ")
        .append(issuerUrl)
        .append("/admin/revocations\n")
        .append("# A token for the audit API (scope ")
        .append(AUDIT_SCOPE)
        .append("):\n")
        .append("curl -s -u ")
        .append(admin)
        .append(" -d grant_type=client_credentials -d audience=")
        .append(AUDIT_AUDIENCE)
        .append(" -d scope=")
        .append(AUDIT_SCOPE)
        .append(' ')
        .append(issuerUrl)
        .append("/oauth2/token\n");
    Path file = dataDir.resolve(CREDENTIALS_FILE);
    try {
      Files.createDirectories(dataDir);
      Files.deleteIfExists(file);
      try {
        // Owner-only from its creation: no moment where another user could open it.
        Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException notPosix) {
        Files.createFile(file);
      }
      Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the demo credentials to " + file, e);
    }
  }

  /** The secret of {@code client}. */
  public String secret(String client) {
    String secret = secrets.get(client);
    if (secret == null) {
      throw new IllegalArgumentException("no demo client " + client);
    }
    return secret;
  }

  private static String scope(String name, String description, String risk) {
    return "  " + name + ":\n    description: " + description + "\n    risk: " + risk + "\n";
  }

  private static String secret(SecureRandom random) {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static String hash(String secret) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
