/**
 * The detection rules of the anomaly detector, free of Kafka types: events in, findings out, state
 * as plain values the plumbing stores. Every rule runs on event time (the events' {@code
 * occurred_at}), never the wall clock, so a replay over history raises exactly the alerts the live
 * run raised.
 */
@NullMarked
package io.tokenwatch.anomaly;

import org.jspecify.annotations.NullMarked;
