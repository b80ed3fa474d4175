package io.tokenwatch.console.web;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.javalin.router.JavalinDefaultRoutingApi;
import io.tokenwatch.console.source.AuditClient;
import io.tokenwatch.console.source.AuditClient.Reply;
import io.tokenwatch.people.Person;
import io.tokenwatch.people.Role;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The audit chain: the newest signed checkpoints (the first render asks for nothing more), a
 * verification of the whole history on request, and exports of a time window as JSON lines,
 * streamed from the audit API a page at a time.
 */
public final class AuditSection implements Section {

  /** Who sees the page, verifies and exports. */
  static final Role[] VIEWERS = {Role.AUDITOR, Role.ADMIN};

  /** Checkpoints listed. */
  static final int CHECKPOINTS = 10;

  /** The most events one export holds. */
  static final int EXPORT_MAX = 100_000;

  /** Events asked for per call while exporting. */
  static final int EXPORT_PAGE = 5_000;

  private final ConsoleContext context;

  public AuditSection(ConsoleContext context) {
    this.context = requireNonNull(context, "context");
  }

  @Override
  public String title() {
    return "Audit";
  }

  @Override
  public String path() {
    return "/audit";
  }

  @Override
  public Set<Role> viewers() {
    return Set.of(VIEWERS);
  }

  @Override
  public void routes(JavalinDefaultRoutingApi routes) {
    routes.get("/audit", this::page);
    routes.post("/audit/verify", this::verify);
    routes.get("/audit/export", this::export);
  }

  private void page(Context ctx) {
    Person person = context.people().require(ctx, VIEWERS);
    render(ctx, person, null, null, 200);
  }

  private void render(
      Context ctx,
      Person person,
      @Nullable Verification verification,
      @Nullable String verifyError,
      int status) {
    Map<String, Object> params = new HashMap<>();
    List<CheckpointRow> checkpoints = new ArrayList<>();
    String error = null;
    long total = 0;
    Reply reply = context.audit().get("/checkpoints", Map.of("limit", String.valueOf(CHECKPOINTS)));
    if (reply instanceof Reply.Ok ok) {
      ok.body().path("checkpoints").forEach(c -> checkpoints.add(CheckpointRow.of(c)));
      java.util.Collections.reverse(checkpoints);
      total = ok.body().path("count").asLong();
    } else {
      Reply.Failed failed = (Reply.Failed) reply;
      error = failed.message();
      if (status == 200) {
        status = Pages.status(failed);
      }
    }
    Instant now = context.clock().instant();
    params.put("checkpoints", checkpoints);
    params.put("total", total);
    params.put("error", error);
    params.put("verification", verification);
    params.put("verifyError", verifyError);
    params.put("exportFrom", now.minus(Duration.ofDays(1)).toString());
    params.put("exportTo", now.toString());
    params.put("exportMax", EXPORT_MAX);
    context.views().page(ctx, person, status, "audit.jte", "Audit", params);
  }

  /** Runs a full verification: it reads every record, so only when a person asks. */
  private void verify(Context ctx) {
    Person person = context.people().require(ctx, VIEWERS);
    context.people().verifyCsrf(ctx);
    Reply reply = context.audit().get("/verify", Map.of(), AuditClient.VERIFY_TIMEOUT);
    if (reply instanceof Reply.Ok ok) {
      render(
          ctx, person, Verification.of(ok.body(), context.clock().instant().toString()), null, 200);
    } else {
      Reply.Failed failed = (Reply.Failed) reply;
      render(ctx, person, null, failed.message(), Pages.status(failed));
    }
  }

  /**
   * Streams the events of a time window as JSON lines (the audit API's event objects, one per
   * line), at most {@value #EXPORT_MAX}; a last line {@code {"export_incomplete": ...}} says why an
   * export stopped early.
   */
  private void export(Context ctx) {
    Person person = context.people().require(ctx, VIEWERS);
    Instant from;
    Instant to;
    try {
      from = Inputs.instant(ctx, "from");
      to = Inputs.instant(ctx, "to");
      if (from == null || to == null) {
        throw new Inputs.BadInput("an export needs a time window: from and to");
      }
      if (!from.isBefore(to)) {
        throw new Inputs.BadInput("from must be before to");
      }
    } catch (Inputs.BadInput e) {
      context.views().message(ctx, person, 400, "Audit export", String.valueOf(e.getMessage()));
      return;
    }
    Paging paging = new Paging(from.toEpochMilli(), 0, EXPORT_PAGE);
    Reply first = exportPage(paging, to);
    if (first instanceof Reply.Failed failed) {
      context.views().message(ctx, person, Pages.status(failed), "Audit export", failed.message());
      return;
    }
    ctx.status(200)
        .header("Cache-Control", "no-store")
        .header(
            "Content-Disposition",
            "attachment; filename=\"tokenwatch-audit-"
                + from.toEpochMilli()
                + "-"
                + to.toEpochMilli()
                + ".jsonl\"")
        .contentType("application/x-ndjson; charset=utf-8");
    try {
      OutputStream out = ctx.outputStream();
      int written = 0;
      Reply reply = first;
      while (true) {
        List<JsonNode> fetched = new ArrayList<>();
        ((Reply.Ok) reply).body().path("events").forEach(fetched::add);
        Paging.Page<JsonNode> page =
            paging.page(fetched, e -> Inputs.epochMillis(e.path("occurred_at").asText()));
        for (JsonNode event : page.rows()) {
          if (written == EXPORT_MAX) {
            incomplete(
                out, "the export holds at most " + EXPORT_MAX + " events: narrow the window");
            return;
          }
          out.write((event.toString() + "\n").getBytes(StandardCharsets.UTF_8));
          written++;
        }
        Paging next = page.next();
        if (next == null) {
          if (page.cut()) {
            incomplete(out, "more events share one millisecond than the API returns at once");
          }
          return;
        }
        paging = next;
        reply = exportPage(paging, to);
        if (reply instanceof Reply.Failed failed) {
          incomplete(out, failed.message());
          return;
        }
      }
    } catch (IOException e) {
      // The browser went away: nothing to tell it.
      throw new UncheckedIOException(e);
    }
  }

  private Reply exportPage(Paging paging, Instant to) {
    Map<String, String> query = new LinkedHashMap<>();
    query.put("from", String.valueOf(paging.from()));
    query.put("to", String.valueOf(to.toEpochMilli()));
    query.put("limit", String.valueOf(paging.apiLimit()));
    return context.audit().get("/events", query);
  }

  private static void incomplete(OutputStream out, String why) throws IOException {
    out.write(
        ("{\"export_incomplete\":"
                + com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.textNode(why)
                + "}\n")
            .getBytes(StandardCharsets.UTF_8));
  }
}
