package io.tokenwatch.cli.demo;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A person at the issuer's pages, scripted: keeps the session cookie like a browser, posts the
 * forms the pages render with their CSRF token, and follows no redirect by itself so the demo can
 * say where each one leads. The browser tests drive the same pages in a real Chromium; the demo
 * needs no browser.
 *
 * <p>Cookies are kept by hand: the session cookie is {@code Secure}, which browsers send to a
 * loopback address over plain HTTP (a potentially trustworthy origin) but the JDK's cookie manager
 * never does. Only the issuer is talked to, so name and value are all that matter.
 */
final class WebUser {

  private static final Pattern HIDDEN =
      Pattern.compile("<input type=\"hidden\" name=\"([a-z]+)\" value=\"([^\"]*)\">");

  /** One answer: status, the {@code Location} of a redirect (or empty), and the body. */
  record Page(int status, String location, String body) {
    boolean redirect() {
      return status >= 300 && status < 400 && !location.isEmpty();
    }

    /** The value of the hidden form field {@code name}. */
    String hidden(String name) {
      Matcher matcher = HIDDEN.matcher(body);
      while (matcher.find()) {
        if (matcher.group(1).equals(name)) {
          return unescape(matcher.group(2));
        }
      }
      throw new IllegalStateException("the page has no hidden field " + name);
    }
  }

  private final String name;
  private final String password;
  private final String origin;
  private final HttpClient http;
  private final Map<String, String> cookies = new LinkedHashMap<>();

  WebUser(String name, String password, String origin) {
    this.name = name;
    this.password = password;
    this.origin = origin;
    this.http =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  String name() {
    return name;
  }

  /** GET {@code pathOrUrl}; a path is taken relative to the issuer. */
  Page get(String pathOrUrl) {
    return send(HttpRequest.newBuilder(resolve(pathOrUrl)).GET());
  }

  /** POST a form to {@code path} on the issuer, as the browser submits it. */
  Page post(String path, Map<String, String> form) {
    String body =
        form.entrySet().stream()
            .map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
            .collect(Collectors.joining("&"));
    return send(
        HttpRequest.newBuilder(resolve(path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Origin", origin)
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  /**
   * Logs in on the page {@code loginPage} redirected to, and returns where the login sends the
   * person next.
   */
  Page logIn(Page loginPage) {
    Page form = get(loginPage.location());
    return post(
        "/login",
        Map.of(
            "csrf",
            form.hidden("csrf"),
            "next",
            form.hidden("next"),
            "username",
            name,
            "password",
            password));
  }

  private URI resolve(String pathOrUrl) {
    return pathOrUrl.startsWith("/") ? URI.create(origin + pathOrUrl) : URI.create(pathOrUrl);
  }

  private Page send(HttpRequest.Builder request) {
    if (!cookies.isEmpty()) {
      request.header(
          "Cookie",
          cookies.entrySet().stream()
              .map(e -> e.getKey() + "=" + e.getValue())
              .collect(Collectors.joining("; ")));
    }
    try {
      HttpResponse<String> response =
          http.send(
              request.timeout(Duration.ofSeconds(30)).header("Accept", "text/html").build(),
              HttpResponse.BodyHandlers.ofString());
      for (String header : response.headers().allValues("Set-Cookie")) {
        String pair = header.split(";", 2)[0];
        int eq = pair.indexOf('=');
        if (eq > 0) {
          String value = pair.substring(eq + 1);
          boolean expired = header.toLowerCase(java.util.Locale.ROOT).contains("max-age=0");
          if (value.isEmpty() || expired) {
            cookies.remove(pair.substring(0, eq));
          } else {
            cookies.put(pair.substring(0, eq), value);
          }
        }
      }
      Optional<String> location = response.headers().firstValue("Location");
      return new Page(response.statusCode(), location.orElse(""), response.body());
    } catch (IOException e) {
      throw new IllegalStateException("the issuer did not answer " + name + "'s browser", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static String unescape(String html) {
    return html.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
  }
}
