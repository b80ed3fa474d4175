package io.tokenwatch.bench.issuer;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A keep-alive HTTP/1.1 connection that posts the same token request again and again, with a
 * blocking socket. Written for the load generator rather than using the JDK's {@code HttpClient}:
 * it costs a fraction of the CPU per request (no futures, no per-response tasks, the request bytes
 * built once), which matters when the generator shares two cores with the server it measures. An
 * answer is expected when its status is 200 and its body holds an {@code access_token}.
 *
 * <p>A broken connection is reopened on the next exchange. Used by one thread at a time.
 */
final class HttpTokenConnection implements OpenLoop.Connection {

  private static final byte[] ACCESS_TOKEN = "\"access_token\"".getBytes(StandardCharsets.US_ASCII);

  private final InetSocketAddress address;
  private final byte[] request;
  private final int timeoutMillis;
  private @Nullable Socket socket;
  private @Nullable InputStream in;
  private @Nullable OutputStream out;
  private byte[] body = new byte[4096];

  private HttpTokenConnection(InetSocketAddress address, byte[] request, int timeoutMillis) {
    this.address = address;
    this.request = request;
    this.timeoutMillis = timeoutMillis;
  }

  /** A connector for {@code POST uri} with a form body and HTTP Basic credentials. */
  static OpenLoop.Connector connector(
      URI uri, String form, String basicUser, String basicSecret, int timeoutMillis) {
    if (!"http".equals(uri.getScheme())) {
      throw new IllegalArgumentException("only http:// URLs are supported: " + uri);
    }
    int port = uri.getPort() < 0 ? 80 : uri.getPort();
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    byte[] formBytes = form.getBytes(StandardCharsets.UTF_8);
    String head =
        "POST "
            + path
            + " HTTP/1.1\r\nHost: "
            + uri.getHost()
            + ":"
            + port
            + "\r\nContent-Type: application/x-www-form-urlencoded\r\nAccept: application/json"
            + "\r\nAuthorization: Basic "
            + Base64.getEncoder()
                .encodeToString((basicUser + ":" + basicSecret).getBytes(StandardCharsets.UTF_8))
            + "\r\nContent-Length: "
            + formBytes.length
            + "\r\n\r\n";
    byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
    byte[] request = new byte[headBytes.length + formBytes.length];
    System.arraycopy(headBytes, 0, request, 0, headBytes.length);
    System.arraycopy(formBytes, 0, request, headBytes.length, formBytes.length);
    InetSocketAddress address = new InetSocketAddress(uri.getHost(), port);
    return () -> {
      HttpTokenConnection connection = new HttpTokenConnection(address, request, timeoutMillis);
      connection.connect();
      return connection;
    };
  }

  private void connect() throws IOException {
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.setSoTimeout(timeoutMillis);
      s.connect(address, timeoutMillis);
      in = new BufferedInputStream(s.getInputStream(), 8192);
      out = s.getOutputStream();
      socket = s;
    } catch (IOException e) {
      s.close();
      throw e;
    }
  }

  @Override
  public @Nullable String exchange() {
    try {
      if (socket == null) {
        connect();
      }
      return roundTrip();
    } catch (ConnectException e) {
      close();
      return "connect_failed";
    } catch (SocketTimeoutException e) {
      close();
      return "timeout";
    } catch (EOFException e) {
      close();
      return "connection_closed";
    } catch (IOException e) {
      close();
      return "io_error";
    }
  }

  private @Nullable String roundTrip() throws IOException {
    OutputStream o = out;
    InputStream i = in;
    if (o == null || i == null) {
      throw new IOException("not connected");
    }
    o.write(request);
    o.flush();
    String statusLine = readLine(i);
    String[] status = statusLine.split(" ", 3);
    if (status.length < 2 || !status[0].startsWith("HTTP/1.")) {
      close();
      return "bad_response";
    }
    int code = Integer.parseInt(status[1]);
    long contentLength = -1;
    boolean chunked = false;
    boolean closeAfter = status[0].equals("HTTP/1.0");
    for (String line = readLine(i); !line.isEmpty(); line = readLine(i)) {
      int colon = line.indexOf(':');
      if (colon <= 0) {
        continue;
      }
      String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).trim();
      switch (name) {
        case "content-length" -> contentLength = Long.parseLong(value);
        case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
        case "connection" -> closeAfter = value.equalsIgnoreCase("close");
        default -> {}
      }
    }
    int length;
    if (chunked) {
      length = readChunked(i);
    } else if (contentLength >= 0) {
      length = readFully(i, 0, Math.toIntExact(contentLength));
    } else {
      closeAfter = true;
      length = readToEnd(i);
    }
    if (closeAfter) {
      close();
    }
    if (code != 200) {
      return "http_" + code;
    }
    return contains(body, length, ACCESS_TOKEN) ? null : "no_access_token";
  }

  private int readChunked(InputStream i) throws IOException {
    int length = 0;
    while (true) {
      String sizeLine = readLine(i);
      int semicolon = sizeLine.indexOf(';');
      int size =
          Integer.parseInt(
              (semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
      if (size == 0) {
        for (String trailer = readLine(i); !trailer.isEmpty(); trailer = readLine(i)) {
          // trailers are read and ignored
        }
        return length;
      }
      length = readFully(i, length, size);
      readLine(i); // the CRLF after the chunk
    }
  }

  private int readFully(InputStream i, int offset, int count) throws IOException {
    ensureCapacity(offset + count);
    int read = 0;
    while (read < count) {
      int n = i.read(body, offset + read, count - read);
      if (n < 0) {
        throw new EOFException("connection closed in the middle of a body");
      }
      read += n;
    }
    return offset + count;
  }

  private int readToEnd(InputStream i) throws IOException {
    int length = 0;
    while (true) {
      ensureCapacity(length + 1024);
      int n = i.read(body, length, body.length - length);
      if (n < 0) {
        return length;
      }
      length += n;
    }
  }

  private void ensureCapacity(int capacity) {
    if (body.length < capacity) {
      byte[] larger = new byte[Math.max(capacity, body.length * 2)];
      System.arraycopy(body, 0, larger, 0, body.length);
      body = larger;
    }
  }

  private static String readLine(InputStream i) throws IOException {
    StringBuilder line = new StringBuilder(64);
    while (true) {
      int c = i.read();
      if (c < 0) {
        throw new EOFException("connection closed by the server");
      }
      if (c == '\n') {
        int end = line.length();
        if (end > 0 && line.charAt(end - 1) == '\r') {
          line.setLength(end - 1);
        }
        return line.toString();
      }
      line.append((char) c);
    }
  }

  private static boolean contains(byte[] haystack, int length, byte[] needle) {
    outer:
    for (int start = 0; start + needle.length <= length; start++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[start + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  @Override
  public void close() {
    Socket s = socket;
    socket = null;
    in = null;
    out = null;
    if (s != null) {
      try {
        s.close();
      } catch (IOException e) {
        // closing a connection we are done with; nothing to recover
      }
    }
  }
}
