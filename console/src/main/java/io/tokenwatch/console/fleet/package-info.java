/**
 * The validator fleet as the console sees it, free of Kafka and HTTP types: the latest report of
 * every validator ({@link io.tokenwatch.console.fleet.Fleet}), what is wrong with each ({@link
 * io.tokenwatch.console.fleet.Health}), the revocation records seen on the revocation topics
 * ({@link io.tokenwatch.console.fleet.RevocationRecords}) and whether a revocation has reached a
 * validator ({@link io.tokenwatch.console.fleet.Reach}).
 */
@NullMarked
package io.tokenwatch.console.fleet;

import org.jspecify.annotations.NullMarked;
