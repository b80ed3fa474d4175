package io.tokenwatch.validator.route;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * An origin-form request target read every way a common upstream may read its path, or the reason
 * it cannot be read without guessing.
 *
 * <p>Upstreams disagree: Javalin and Express route on the path as sent, still percent-encoded and
 * with dot segments in it; servlet containers, Spring, Go's {@code ServeMux} and NGINX decode it
 * and resolve dot segments; some also normalize Unicode. A gateway that picks one reading can be
 * walked around by a target the upstream reads another way. So the target is kept in each reading,
 * and the route table applies the routes of all of them:
 *
 * <ol>
 *   <li>as sent;
 *   <li>as sent, with its literal {@code .} and {@code ..} segments resolved;
 *   <li>percent-decoded (UTF-8);
 *   <li>percent-decoded, then dot segments resolved ({@code %2e%2e} is {@code ..});
 *   <li>the previous one in Unicode NFKC, when that differs.
 * </ol>
 *
 * <p>A trailing slash is not a segment ({@code /orders/} reads as {@code /orders}). Refused, since
 * upstreams read them in incompatible ways or they serve only to confuse: characters outside
 * visible ASCII, a fragment, anything but a path starting with {@code /} (absolute-, authority- and
 * asterisk-form), a backslash, matrix parameters ({@code ;}), an empty segment ({@code //}), a
 * malformed escape, an encoded {@code /}, {@code \}, {@code ;}, {@code %} (double encoding) or
 * control character, bytes that are not UTF-8 (overlong forms included), dot segments that climb
 * above the root, and Unicode whose NFKC form hides one of these.
 */
final class RequestTarget {

  /** Outcome of reading a target. */
  sealed interface Parsed permits Readings, Malformed {}

  /**
   * The distinct readings of the path, each a list of segments ({@code []} is the root).
   *
   * @param display the path for messages: decoded and resolved, as most upstreams serve it
   */
  record Readings(List<List<String>> readings, String display) implements Parsed {
    Readings {
      readings = List.copyOf(readings);
      requireNonNull(display, "display");
    }
  }

  /** The target cannot be read unambiguously. */
  record Malformed(String detail) implements Parsed, SegmentDecoding {
    Malformed {
      requireNonNull(detail, "detail");
    }
  }

  /** Outcome of percent-decoding one path segment. */
  private sealed interface SegmentDecoding permits Segment, Malformed {}

  /** The segment's text, decoded. */
  private record Segment(String text) implements SegmentDecoding {}

  private RequestTarget() {}

  static Parsed read(String target) {
    requireNonNull(target, "target");
    if (target.isEmpty()) {
      return new Malformed("the request target is empty");
    }
    for (int i = 0; i < target.length(); i++) {
      char c = target.charAt(i);
      if (c <= ' ' || c > '~') {
        return new Malformed(
            "the request target holds a space, a control or a non-ASCII character; send them"
                + " percent-encoded");
      }
    }
    if (target.indexOf('#') >= 0) {
      return new Malformed("a request target carries no fragment ('#')");
    }
    if (target.charAt(0) != '/') {
      return new Malformed(
          "the request target is not a path starting with '/' (absolute-form, authority-form and"
              + " asterisk-form targets are refused)");
    }
    int query = target.indexOf('?');
    String path = query < 0 ? target : target.substring(0, query);
    if (path.indexOf('\\') >= 0) {
      return new Malformed("the path holds a backslash, which some servers read as '/'");
    }
    if (path.indexOf(';') >= 0) {
      return new Malformed(
          "the path holds matrix parameters (';'), which some servers strip and others keep");
    }
    if (path.contains("//")) {
      return new Malformed(
          "the path holds an empty segment ('//'), which some servers merge and others keep");
    }
    List<String> raw = List.of(path.substring(1).split("/", -1));
    List<String> decoded = new ArrayList<>(raw.size());
    for (String segment : raw) {
      SegmentDecoding result = decode(segment);
      if (result instanceof Malformed malformed) {
        return malformed;
      }
      // SegmentDecoding is sealed: a result that is not Malformed is a Segment.
      decoded.add(((Segment) result).text());
    }
    List<String> rawResolved = resolve(raw);
    List<String> decodedResolved = resolve(decoded);
    if (rawResolved == null || decodedResolved == null) {
      return new Malformed("the path's dot segments climb above the root");
    }
    Set<List<String>> readings = new LinkedHashSet<>();
    readings.add(withoutTrailingSlash(raw));
    readings.add(rawResolved);
    readings.add(withoutTrailingSlash(decoded));
    readings.add(decodedResolved);
    List<String> compatible = new ArrayList<>(decodedResolved.size());
    for (String segment : decodedResolved) {
      String folded = Normalizer.normalize(segment, Normalizer.Form.NFKC);
      if (folded.indexOf('/') >= 0
          || folded.indexOf('\\') >= 0
          || folded.indexOf(';') >= 0
          || folded.indexOf('%') >= 0
          || folded.equals(".")
          || folded.equals("..")
          || hasControl(folded)) {
        return new Malformed(
            "the path holds Unicode whose compatibility form is a '/', '\\', ';', '%', dot"
                + " segment or control character");
      }
      compatible.add(folded);
    }
    readings.add(compatible);
    return new Readings(new ArrayList<>(readings), "/" + String.join("/", decodedResolved));
  }

  private static SegmentDecoding decode(String segment) {
    if (segment.indexOf('%') < 0) {
      return new Segment(segment);
    }
    ByteBuffer bytes = ByteBuffer.allocate(segment.length());
    for (int i = 0; i < segment.length(); i++) {
      char c = segment.charAt(i);
      if (c != '%') {
        bytes.put((byte) c);
        continue;
      }
      int hi = i + 2 < segment.length() ? Character.digit(segment.charAt(i + 1), 16) : -1;
      int lo = i + 2 < segment.length() ? Character.digit(segment.charAt(i + 2), 16) : -1;
      if (hi < 0 || lo < 0) {
        return new Malformed("the path holds a '%' that is not followed by two hex digits");
      }
      int b = hi * 16 + lo;
      switch (b) {
        case '/', '\\' -> {
          return new Malformed(
              "the path holds an encoded '/' or '\\' (%2F, %5C), which some servers decode into a"
                  + " separator");
        }
        case '%' -> {
          return new Malformed("the path holds an encoded '%' (%25): double encoding is refused");
        }
        case ';' -> {
          return new Malformed(
              "the path holds an encoded ';' (%3B), which some servers take for matrix"
                  + " parameters");
        }
        default -> {
          if (b < 0x20 || b == 0x7f) {
            return new Malformed("the path holds an encoded control character");
          }
        }
      }
      bytes.put((byte) b);
      i += 2;
    }
    bytes.flip();
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(bytes)
              .toString();
    } catch (CharacterCodingException e) {
      return new Malformed("the path's percent-encoded bytes are not UTF-8 (or an overlong form)");
    }
    if (hasControl(text)) {
      return new Malformed("the path holds an encoded control character");
    }
    return new Segment(text);
  }

  private static boolean hasControl(String text) {
    return text.codePoints().anyMatch(Character::isISOControl);
  }

  /** RFC 3986 section 5.2.4 on segments; {@code null} when it climbs above the root. */
  private static @Nullable List<String> resolve(List<String> segments) {
    Deque<String> out = new ArrayDeque<>();
    for (int i = 0; i < segments.size(); i++) {
      String segment = segments.get(i);
      boolean last = i == segments.size() - 1;
      if (segment.equals(".")) {
        if (last) {
          out.addLast("");
        }
      } else if (segment.equals("..")) {
        if (out.pollLast() == null) {
          return null;
        }
        if (last) {
          out.addLast("");
        }
      } else {
        out.addLast(segment);
      }
    }
    return withoutTrailingSlash(new ArrayList<>(out));
  }

  private static List<String> withoutTrailingSlash(List<String> segments) {
    if (!segments.isEmpty() && segments.get(segments.size() - 1).isEmpty()) {
      return List.copyOf(segments.subList(0, segments.size() - 1));
    }
    return List.copyOf(segments);
  }
}
