/**
 * What the overview knows about alerts, free of Kafka and HTTP: the recent alerts ({@link
 * io.tokenwatch.console.alerts.Alert}), what people did about them ({@link
 * io.tokenwatch.console.alerts.AlertAct}), the board that combines both ({@link
 * io.tokenwatch.console.alerts.AlertBoard}) with the suppression rules ({@link
 * io.tokenwatch.console.alerts.Suppression}), and revocations per minute ({@link
 * io.tokenwatch.console.alerts.PerMinute}).
 */
@NullMarked
package io.tokenwatch.console.alerts;

import org.jspecify.annotations.NullMarked;
