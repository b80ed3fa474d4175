package io.tokenwatch.console;

import io.tokenwatch.people.PasswordHashes;
import io.tokenwatch.people.PeopleConfig;
import io.tokenwatch.people.PersonAssertions;
import io.tokenwatch.people.Role;
import io.tokenwatch.people.UsersFile;
import io.tokenwatch.testing.TestCluster;
import io.tokenwatch.testing.browser.BrowserSteps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;

/**
 * A console on a free loopback port against a test cluster, with one person per role (all with
 * {@link #PASSWORD}): {@code alice} analyst, {@code rita} and {@code rob} responders, {@code ann}
 * and {@code amy} approvers, {@code aude} auditor, {@code adam} admin, {@code uma} a user with no
 * other role. The person-assertion secret is in {@link #assertionSecret()}.
 */
public final class ConsoleHarness implements AutoCloseable {

  public static final String PASSWORD = "correct horse battery staple";

  private final ConsoleServer server;
  private final Path usersFile;
  private final Path assertionSecret;

  private ConsoleHarness(ConsoleServer server, Path usersFile, Path assertionSecret) {
    this.server = server;
    this.usersFile = usersFile;
    this.assertionSecret = assertionSecret;
  }

  /**
   * Starts a console.
   *
   * @param settings settings over the defaults (the issuer's or audit API's URL, say)
   */
  public static ConsoleHarness start(TestCluster cluster, Path dir, Map<String, ?> settings)
      throws IOException {
    Path users = writeUsers(dir.resolve("users.yaml"));
    Path secret = PersonAssertions.createSecretFile(dir.resolve("people-assertion.secret"));
    Map<String, Object> all = new HashMap<>();
    all.put(ConsoleConfig.BOOTSTRAP_SERVERS, cluster.bootstrapServers());
    all.put("schema.registry.url", cluster.schemaRegistryUrl());
    all.put(ConsoleConfig.HTTP_HOST, "127.0.0.1");
    all.put(ConsoleConfig.HTTP_PORT, 0);
    all.put(ConsoleConfig.ASSERTION_SECRET_FILE, secret.toString());
    all.put(PeopleConfig.USERS_FILE, users.toString());
    all.putAll(settings);
    int port = ConsoleServer.FreePort.find();
    all.put(ConsoleConfig.HTTP_PORT, port);
    all.putIfAbsent(ConsoleConfig.PUBLIC_URL, "http://127.0.0.1:" + port);
    return new ConsoleHarness(
        ConsoleServer.start(ConsoleConfig.of(all), Clock.systemUTC()), users, secret);
  }

  /** The users file, with one person per role. */
  public static Path writeUsers(Path file) throws IOException {
    if (Files.exists(file)) {
      return file;
    }
    String hash = PasswordHashes.hash(PASSWORD);
    UsersFile.write(
        file,
        List.of(
            new UsersFile.User("alice", "Alice Analyst", EnumSet.of(Role.ANALYST), hash),
            new UsersFile.User("rita", "Rita Responder", EnumSet.of(Role.RESPONDER), hash),
            new UsersFile.User("rob", "Rob Responder", EnumSet.of(Role.RESPONDER), hash),
            new UsersFile.User("ann", "Ann Approver", EnumSet.of(Role.APPROVER), hash),
            new UsersFile.User("amy", "Amy Approver", EnumSet.of(Role.APPROVER), hash),
            new UsersFile.User("aude", "Aude Auditor", EnumSet.of(Role.AUDITOR), hash),
            new UsersFile.User("adam", "Adam Admin", EnumSet.of(Role.ADMIN), hash),
            new UsersFile.User("uma", "Uma User", EnumSet.of(Role.USER), hash)));
    return file;
  }

  /** Logs {@code user} in through the login page, landing on {@code path}. */
  public void logIn(WebDriver browser, String user, String path) {
    browser.get(
        url()
            + "/login?next="
            + java.net.URLEncoder.encode(path, java.nio.charset.StandardCharsets.UTF_8));
    BrowserSteps.type(browser, By.id("username"), user);
    BrowserSteps.type(browser, By.id("password"), PASSWORD);
    BrowserSteps.clickAndWait(browser, browser.findElement(By.cssSelector("button[type=submit]")));
  }

  public String url() {
    return server.url();
  }

  public ConsoleServer server() {
    return server;
  }

  public Path usersFile() {
    return usersFile;
  }

  /** The secret the console signs person assertions with (give it to an issuer under test). */
  public Path assertionSecret() {
    return assertionSecret;
  }

  @Override
  public void close() {
    server.close();
  }
}
