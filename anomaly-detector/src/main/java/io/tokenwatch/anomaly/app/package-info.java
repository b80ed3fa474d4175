/**
 * The anomaly detector as running components: the live application (exactly-once v2, metrics,
 * health and readiness over HTTP) and the replay over a past time range.
 */
@NullMarked
package io.tokenwatch.anomaly.app;

import org.jspecify.annotations.NullMarked;
