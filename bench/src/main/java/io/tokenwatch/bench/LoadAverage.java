package io.tokenwatch.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The machine's 1, 5 and 15 minute load averages, which every benchmark run prints. */
public final class LoadAverage {

  private LoadAverage() {}

  /** The three averages where the system reports them (Linux), else why not. */
  public static String now() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return fields[0] + " " + fields[1] + " " + fields[2];
    } catch (IOException | RuntimeException e) {
      return "(unknown: " + e.getMessage() + ")";
    }
  }
}
