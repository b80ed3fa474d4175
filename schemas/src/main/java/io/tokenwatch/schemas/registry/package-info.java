/**
 * A client for the subset of the Confluent Schema Registry REST API that Tokenwatch needs, spoken
 * directly over {@code java.net.http} because Confluent's Java client is not published to Maven
 * Central. Works against Confluent Schema Registry, Karapace and Apicurio's ccompat API.
 */
@NullMarked
package io.tokenwatch.schemas.registry;

import org.jspecify.annotations.NullMarked;
