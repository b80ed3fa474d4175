/**
 * {@code tokenwatch demo}: simulated clients, attackers and a security team driving the whole
 * platform, a narrator telling what happens, and the checks that decide the demo's exit status.
 */
@NullMarked
package io.tokenwatch.cli.demo;

import org.jspecify.annotations.NullMarked;
