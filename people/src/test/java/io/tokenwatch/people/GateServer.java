package io.tokenwatch.people;

import io.javalin.Javalin;
import io.tokenwatch.schemas.http.ErrorFormat;
import io.tokenwatch.schemas.http.JsonErrors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

/**
 * A real Javalin server with a gate in front of two routes, the way the issuer wires it: {@code GET
 * /whoami} (any logged-in person) and {@code POST /approve} (approvers, CSRF-checked).
 */
final class GateServer implements AutoCloseable {

  static final String PASSWORD = "correct horse battery staple";

  final Javalin app;
  final PeopleGate gate;
  final Path usersFile;

  private GateServer(Javalin app, PeopleGate gate, Path usersFile) {
    this.app = app;
    this.gate = gate;
    this.usersFile = usersFile;
  }

  /** Alice (user) and Carol (approver), both with {@link #PASSWORD}, on a free port. */
  static GateServer start(Path directory, Map<String, String> settings) throws IOException {
    return start(directory, settings, Clock.systemUTC());
  }

  /** {@link #start(Path, Map)} on {@code clock}. */
  static GateServer start(Path directory, Map<String, String> settings, Clock clock)
      throws IOException {
    Path users = directory.resolve("users.yaml");
    if (!Files.exists(users)) {
      String hash = PasswordHashes.hash(PASSWORD);
      UsersFile.write(
          users,
          List.of(
              new UsersFile.User("alice", "Alice Example", EnumSet.of(Role.USER), hash),
              new UsersFile.User("carol", "Carol Example", EnumSet.of(Role.APPROVER), hash)));
    }
    java.util.Map<String, Object> all = new java.util.HashMap<>(settings);
    all.putIfAbsent(PeopleConfig.USERS_FILE, users.toString());
    int port = freePort();
    String url = "http://127.0.0.1:" + port;
    PeopleGate gate = PeopleGate.start(PeopleConfig.of(all), url, clock);
    Javalin app =
        Javalin.create(
            config -> {
              config.startup.showJavalinBanner = false;
              config.startup.showOldJavalinVersionWarning = false;
              config.jetty.host = "127.0.0.1";
              config.jetty.port = port;
              config.http.maxRequestSize = 16_384;
              JsonErrors.install(config, ErrorFormat.PROBLEM);
              config.routes.get("/whoami", ctx -> ctx.result(gate.require(ctx).id()));
              config.routes.get(
                  "/via",
                  ctx ->
                      ctx.result(
                          gate.require(ctx).id() + " via " + gate.asserter(ctx).orElse("-")));
              config.routes.post(
                  "/approve",
                  ctx -> {
                    Person who = gate.require(ctx, Role.APPROVER);
                    gate.verifyCsrf(ctx);
                    ctx.result("approved by " + who.id());
                  });
            });
    gate.routes(app);
    app.start();
    return new GateServer(app, gate, users);
  }

  String url() {
    return "http://127.0.0.1:" + app.port();
  }

  private static int freePort() throws IOException {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() {
    app.stop();
    gate.close();
  }
}
