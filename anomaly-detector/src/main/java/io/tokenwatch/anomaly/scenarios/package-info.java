/**
 * Synthetic traffic for the detector's scenario suite and benchmarks: a seeded normal workload that
 * should raise no alert, and one attack per rule with the alerts it should raise.
 */
@NullMarked
package io.tokenwatch.anomaly.scenarios;

import org.jspecify.annotations.NullMarked;
