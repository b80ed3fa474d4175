/**
 * The web console: {@link io.tokenwatch.console.ConsoleServer} serves server-rendered pages behind
 * the people login, configured by {@link io.tokenwatch.console.ConsoleConfig}. Pages live in {@code
 * web}, what they read from (Kafka topics, the issuer, the audit API) in {@code source}.
 */
@NullMarked
package io.tokenwatch.console;

import org.jspecify.annotations.NullMarked;
