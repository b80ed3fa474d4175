package io.tokenwatch.console.source;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenwatch.people.Person;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The issuer's revocation API, called as the person logged in: {@code POST /admin/revocations}
 * (requested at once, or pending until a second person approves), {@code GET
 * /admin/revocations/pending}, and {@code POST /admin/revocations/pending/{id}/approve} or {@code
 * /refuse}. The issuer decides who may revoke what and enforces that a second person is another
 * person; the console only shows what it says. Thread-safe.
 */
public final class IssuerRevocations {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final IssuerApi issuer;

  public IssuerRevocations(IssuerApi issuer) {
    this.issuer = requireNonNull(issuer, "issuer");
  }

  /** What the issuer answered to a revocation or an approval. */
  public sealed interface Outcome {}

  /**
   * Requested: the revocation is on its way to the validators.
   *
   * @param selector the feed key, e.g. {@code token:abc}
   * @param eventId the {@code RevocationRequested} event's id, when the issuer says
   */
  public record Requested(String selector, @Nullable String eventId) implements Outcome {
    public Requested {
      requireNonNull(selector, "selector");
    }
  }

  /** Accepted, but it needs a second person before it is requested. */
  public record AwaitingSecondPerson(String pendingId) implements Outcome {
    public AwaitingSecondPerson {
      requireNonNull(pendingId, "pendingId");
    }
  }

  /** A pending revocation the second person refused: it will not be requested. */
  public record Dropped(String pendingId) implements Outcome {
    public Dropped {
      requireNonNull(pendingId, "pendingId");
    }
  }

  /** Refused (the issuer's status and why), or the issuer could not be asked (status 0). */
  public record Refused(int status, String detail) implements Outcome {
    public Refused {
      requireNonNull(detail, "detail");
    }
  }

  /**
   * A revocation waiting for a second person.
   *
   * @param id the issuer's id for it
   * @param requestedBy who asked, as the issuer names them ({@code person:<id>...})
   * @param own whether the issuer says the person listing it asked for it, when it says
   */
  public record Pending(
      String id,
      String kind,
      String value,
      String requestedBy,
      @Nullable String reason,
      @Nullable String detail,
      @Nullable String issuedBefore,
      @Nullable String requestedAt,
      @Nullable String expiresAt,
      @Nullable Boolean own) {
    public Pending {
      requireNonNull(id, "id");
      requireNonNull(kind, "kind");
      requireNonNull(value, "value");
      requireNonNull(requestedBy, "requestedBy");
    }

    /** The id as one URL path segment. */
    public String pathId() {
      return URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** The feed key it will revoke, e.g. {@code subject:alice}. */
    public String selector() {
      return kind + ":" + value;
    }

    /**
     * Whether {@code person} (the one it was listed for) asked for it: as the issuer says ({@code
     * own}), else by the requester's name, {@code person:<id>} followed by {@code ;} and how the
     * request came, if at all.
     */
    public boolean requestedBy(Person person) {
      if (own != null) {
        return own;
      }
      String prefix = "person:" + person.id();
      return requestedBy.equals(prefix)
          || requestedBy.startsWith(prefix + ";")
          || requestedBy.equals(person.id());
    }
  }

  /** The pending list, or why it could not be read. */
  public sealed interface PendingList {}

  /** The revocations waiting for a second person, oldest first. */
  public record Listed(List<Pending> pending) implements PendingList {
    public Listed {
      pending = List.copyOf(pending);
    }
  }

  /** The issuer would not or could not list them. */
  public record Unlisted(int status, String detail) implements PendingList {
    public Unlisted {
      requireNonNull(detail, "detail");
    }
  }

  /** Asks for a revocation as {@code person}; {@code body} is {@code RevokeForm.issuerBody()}. */
  public Outcome request(Person person, String body) {
    return outcome(issuer.postJson(person, "/admin/revocations", body));
  }

  /** Approves pending revocation {@code id} as {@code person}. */
  public Outcome approve(Person person, String id) {
    return outcome(issuer.postJson(person, pendingPath(id) + "/approve", null));
  }

  /** Refuses pending revocation {@code id} as {@code person}. */
  public Outcome refuse(Person person, String id) {
    IssuerApi.Answer answer = issuer.postJson(person, pendingPath(id) + "/refuse", null);
    return answer.ok() ? new Dropped(id) : new Refused(answer.status(), IssuerApi.detail(answer));
  }

  /** The revocations waiting for a second person, as {@code person} may see them. */
  public PendingList pending(Person person) {
    IssuerApi.Answer answer = issuer.get(person, "/admin/revocations/pending");
    if (!answer.ok()) {
      return new Unlisted(answer.status(), IssuerApi.detail(answer));
    }
    try {
      return new Listed(parsePending(answer.body()));
    } catch (IOException | IllegalArgumentException | NullPointerException e) {
      return new Unlisted(502, "the issuer's list of pending revocations is not understood");
    }
  }

  /** Reads {@code {"pending": [...]}} or a bare array of pending revocations. */
  static List<Pending> parsePending(String body) throws IOException {
    JsonNode root = JSON.readTree(body);
    JsonNode items = root != null && root.isObject() ? root.get("pending") : root;
    if (items == null || !items.isArray()) {
      throw new IOException("no list of pending revocations");
    }
    List<Pending> out = new ArrayList<>();
    for (JsonNode item : items) {
      JsonNode selector =
          item.has("selector") && item.get("selector").isObject() ? item.get("selector") : item;
      out.add(
          new Pending(
              requiredText(item, "id"),
              requiredText(selector, "kind").toLowerCase(java.util.Locale.ROOT),
              requiredText(selector, "value"),
              requiredText(item, "requested_by"),
              text(item, "reason"),
              text(item, "detail"),
              text(selector, "issued_before"),
              text(item, "requested_at"),
              text(item, "expires_at"),
              own(item)));
    }
    return out;
  }

  private static @Nullable Boolean own(JsonNode item) {
    JsonNode own = item.get("own");
    return (own != null && own.isBoolean()) ? own.booleanValue() : null;
  }

  /** What an answer to a revocation or an approval says. */
  static Outcome outcome(IssuerApi.Answer answer) {
    if (!answer.ok()) {
      return new Refused(answer.status(), IssuerApi.detail(answer));
    }
    try {
      JsonNode body = JSON.readTree(answer.body());
      String pendingId = body == null ? null : text(body, "pending_id");
      if (pendingId == null && body != null && "pending".equals(text(body, "status"))) {
        pendingId = text(body, "id");
      }
      if (pendingId != null) {
        return new AwaitingSecondPerson(pendingId);
      }
      String selector = body == null ? null : text(body, "selector");
      if (selector != null) {
        return new Requested(selector, text(body, "event_id"));
      }
    } catch (IOException notJson) {
      // Said below.
    }
    return new Refused(502, "the issuer's answer is not understood");
  }

  private static String pendingPath(String id) {
    return "/admin/revocations/pending/"
        + URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String requiredText(JsonNode node, String field) throws IOException {
    String value = text(node, field);
    if (value == null) {
      throw new IOException("missing " + field);
    }
    return value;
  }

  private static @Nullable String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() || !value.isValueNode() ? null : value.asText();
  }
}
