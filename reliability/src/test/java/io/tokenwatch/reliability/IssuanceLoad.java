package io.tokenwatch.reliability;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Token requests sent back to back from one thread for as long as it runs, each answer counted:
 * tokens handed out (200), refusals with {@code 503 temporarily_unavailable}, and anything else.
 */
final class IssuanceLoad implements AutoCloseable {

  private final Pipeline pipeline;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final List<String> handedOut = new CopyOnWriteArrayList<>();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong unavailable = new AtomicLong();
  private final List<String> unexpected = new CopyOnWriteArrayList<>();
  private final Thread thread;

  IssuanceLoad(Pipeline pipeline) {
    this.pipeline = pipeline;
    this.thread = new Thread(this::run, "issuance-load");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  private void run() {
    while (running.get()) {
      sent.incrementAndGet();
      try {
        HttpResponse<String> answer = pipeline.requestToken();
        if (answer.statusCode() == 200) {
          handedOut.add(Pipeline.accessToken(answer));
        } else if (answer.statusCode() == 503
            && answer.body().contains("temporarily_unavailable")) {
          unavailable.incrementAndGet();
        } else {
          unexpected.add(answer.statusCode() + " " + answer.body());
        }
      } catch (RuntimeException e) {
        unexpected.add(e.toString());
      }
    }
  }

  /** Every access token handed out so far, in order. */
  List<String> handedOut() {
    return new ArrayList<>(handedOut);
  }

  int handedOutCount() {
    return handedOut.size();
  }

  long unavailable() {
    return unavailable.get();
  }

  /** Answers other than a token or a 503 {@code temporarily_unavailable}. */
  List<String> unexpected() {
    return new ArrayList<>(unexpected);
  }

  Map<String, Long> counts() {
    Map<String, Long> counts = new TreeMap<>();
    counts.put("requests", sent.get());
    counts.put("tokensHandedOut", (long) handedOut.size());
    counts.put("refused503", unavailable.get());
    counts.put("unexpectedAnswers", (long) unexpected.size());
    return counts;
  }

  /** Stops sending and waits for the request in flight. */
  @Override
  public void close() {
    running.set(false);
    try {
      thread.join(60_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
