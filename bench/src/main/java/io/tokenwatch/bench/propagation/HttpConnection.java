package io.tokenwatch.bench.propagation;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One kept-alive HTTP/1.1 connection, used by one thread at a time: the request is written and the
 * answer read on the caller's own thread, as a gateway's pooled connection (OkHttp, Apache
 * HttpClient, curl's reused handle) does it.
 *
 * <p>The benchmarks time calls with it because {@code java.net.http.HttpClient} hands every
 * exchange to its selector thread and back to an executor: on two shared cores those handoffs cost
 * about 1 ms a call at the median (measured, see docs/benchmarks/propagation.md), which is the
 * client's cost, not the server's. It speaks only what the benchmarks need: a POST with a
 * Content-Length body, an answer with a Content-Length body (chunked answers are refused). Like a
 * pool, it does not reuse a connection idle for more than 5 s (servers close idle ones): it opens a
 * new one first.
 */
public final class HttpConnection implements AutoCloseable {

  /**
   * Servers close idle connections (Jetty after 30 s); a pool does not reuse one idle this long.
   */
  private static final long MAX_IDLE_NANOS = 5_000_000_000L;

  private final String host;
  private final int port;
  private Socket socket;
  private OutputStream out;
  private BufferedInputStream in;
  private long lastUsed;

  /** An answer: its status and body. */
  public record Answer(int status, String body) {}

  /** Opens the connection (TCP_NODELAY, so a small request leaves at once). */
  public HttpConnection(String host, int port) throws IOException {
    this.host = host;
    this.port = port;
    this.socket = connect();
    this.out = socket.getOutputStream();
    this.in = new BufferedInputStream(socket.getInputStream());
    this.lastUsed = System.nanoTime();
  }

  private Socket connect() throws IOException {
    Socket s = new Socket(host, port);
    s.setTcpNoDelay(true);
    return s;
  }

  /** Sends {@code POST path} with the body and headers given and reads the whole answer. */
  public Answer post(String path, String authorization, String contentType, String body)
      throws IOException {
    if (System.nanoTime() - lastUsed > MAX_IDLE_NANOS) {
      socket.close();
      socket = connect();
      out = socket.getOutputStream();
      in = new BufferedInputStream(socket.getInputStream());
    }
    byte[] content = body.getBytes(StandardCharsets.UTF_8);
    byte[] head =
        ("POST "
                + path
                + " HTTP/1.1\r\nHost: "
                + host
                + ":"
                + port
                + "\r\nAuthorization: "
                + authorization
                + "\r\nContent-Type: "
                + contentType
                + "\r\nContent-Length: "
                + content.length
                + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    byte[] request = new byte[head.length + content.length];
    System.arraycopy(head, 0, request, 0, head.length);
    System.arraycopy(content, 0, request, head.length, content.length);
    out.write(request); // one write: one segment for a small request
    out.flush();
    String statusLine = line();
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP/1.x answer: " + statusLine);
    }
    int status = Integer.parseInt(parts[1]);
    int length = -1;
    for (String header = line(); !header.isEmpty(); header = line()) {
      String lower = header.toLowerCase(Locale.ROOT);
      if (lower.startsWith("content-length:")) {
        length = Integer.parseInt(header.substring("content-length:".length()).trim());
      } else if (lower.startsWith("transfer-encoding:")) {
        throw new IOException("chunked answers are not supported: " + header);
      }
    }
    if (length < 0) {
      throw new IOException("the answer has no Content-Length");
    }
    Answer answer = new Answer(status, new String(in.readNBytes(length), StandardCharsets.UTF_8));
    lastUsed = System.nanoTime();
    return answer;
  }

  private String line() throws IOException {
    StringBuilder line = new StringBuilder();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new EOFException("the server closed the connection");
      }
      if (c != '\r') {
        line.append((char) c);
      }
    }
    return line.toString();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
