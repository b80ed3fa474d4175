package io.tokenwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwatch.cli.DocBlocks.Block;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the executable-docs test reads Markdown: blocks, markers, output blocks, structure. */
class DocBlocksTest {

  private static final String MARKDOWN =
      """
      # Title

      <!-- docs-test: expect="HTTP/1.1 200" platform=stopped -->
      ```bash
      curl -si localhost:8089/auth
      ```

      ```
      HTTP/1.1 200 ... OK
      ```

      Prose in between.

      ```
      tokenwatch up: bootstrap.servers=localhost:9092
      ```

      <!-- docs-test: skip reason="needs Docker" -->

      ```sh
      docker compose -f docker/compose.yaml up
      ```

      - a list item:

        ```console
        $ tokenwatch topics \\
            --ensure
        created 3 topics
        ```

      ```yaml
      users: {}
      ```

      <!-- docs-test: skip reason="a marker of a block further down" -->
      Some prose resets markers.

      ```
      ./tokenwatch up
      ```
      """;

  @Test
  void shouldReadShellBlocksWithTheirMarkersAndTheOutputBlockRightAfterThem() {
    List<Block> blocks = DocBlocks.parse("README.md", MARKDOWN);

    assertThat(blocks).extracting(Block::line).containsExactly(4, 8, 14, 20, 26, 32, 39);
    Block curl = blocks.get(0);
    assertThat(curl.isShell()).isTrue();
    assertThat(curl.commands()).isEqualTo("curl -si localhost:8089/auth\n");
    assertThat(curl.values("expect")).containsExactly("HTTP/1.1 200");
    assertThat(curl.value("platform")).contains("stopped");
    assertThat(curl.output()).contains("HTTP/1.1 200 ... OK\n");
    assertThat(curl.expectedOutput()).containsExactly("HTTP/1.1 200 ... OK");
    assertThat(blocks.get(3).has("skip")).isTrue();
    assertThat(blocks.get(3).value("reason")).contains("needs Docker");
  }

  @Test
  void shouldTakeOnlyTheDollarLinesOfAConsoleBlockAsCommandsAndTheRestAsItsOutput() {
    Block console = DocBlocks.parse("README.md", MARKDOWN).get(4);

    assertThat(console.language()).isEqualTo("console");
    assertThat(console.commands()).isEqualTo("tokenwatch topics \\\n    --ensure\n");
    assertThat(console.expectedOutput()).containsExactly("created 3 topics");
  }

  @Test
  void shouldForgetMarkersThatProseSeparatesFromTheBlockAndFlagPlainBlocksOfCommands() {
    List<Block> blocks = DocBlocks.parse("README.md", MARKDOWN);

    Block last = blocks.get(6);
    assertThat(last.markers()).isEmpty();
    assertThat(last.looksLikeCommands()).isTrue();
    assertThat(blocks.get(2).looksLikeCommands()).isFalse();
    assertThat(blocks.get(2).output()).isEmpty();
  }

  @Test
  void shouldRefuseAnUnknownMarkerKeySoATypoIsNotSilentlyIgnored() {
    assertThatThrownBy(
            () -> DocBlocks.parse("x.md", "<!-- docs-test: skp reason=x -->\n```bash\nls\n```\n"))
        .hasMessageContaining("x.md:1")
        .hasMessageContaining("skp");
  }

  @Test
  void shouldReplaceOnlyTheDefaultPortsOfLocalAddresses() {
    String substituted =
        DocumentedCommandsIntegrationTest.substitute(
            "curl localhost:9400/x http://127.0.0.1:8095 example.com:9400 localhost:1234",
            Map.of(9400, 40001, 8095, 40002));

    assertThat(substituted)
        .isEqualTo("curl localhost:40001/x http://127.0.0.1:40002 example.com:9400 localhost:1234");
  }

  @Test
  void shouldLetThreeDotsInShownOutputStandForAnything() {
    assertThat(DocumentedCommandsIntegrationTest.shows("HTTP/1.1 200 OK\n", "HTTP/1.1 ... OK"))
        .isTrue();
    assertThat(DocumentedCommandsIntegrationTest.shows("HTTP/1.1 401\n", "HTTP/1.1 ... OK"))
        .isFalse();
    assertThat(DocumentedCommandsIntegrationTest.shows("anything", "   ...")).isTrue();
  }

  @Test
  void shouldCheckCommandsItDoesNotRunAgainstTheCommandLineModulesAndFiles() {
    Path root = DocumentedCommandsIntegrationTest.repositoryRoot();

    assertThat(
            StructuralCheck.check(
                root,
                """
                ./tokenwatch up --kafka-port 9092   # comment
                mvn -B -pl cli,embedded -am verify
                docker compose -f docker/compose.yaml up --build
                docker compose -f docker/compose.yaml logs -f issuer validator
                """))
        .isEmpty();
    assertThat(
            StructuralCheck.check(
                root,
                """
                ./tokenwatch up --no-such-option
                mvn -B -pl cli,nowhere verify
                docker build -f docker/Nofile -t tokenwatch .
                docker compose -f docker/compose.yaml up issuer no-such-service
                """))
        .hasSize(4)
        .anySatisfy(p -> assertThat(p).contains("service no-such-service"))
        .anySatisfy(p -> assertThat(p).contains("--no-such-option"))
        .anySatisfy(p -> assertThat(p).contains("module nowhere"))
        .anySatisfy(p -> assertThat(p).contains("docker/Nofile"));
  }

  @Test
  void shouldSplitWordsAsAShellDoesUpToTheFirstOperator() {
    assertThat(
            StructuralCheck.words(
                "A=1 tokenwatch audit why \"$(x --y | z)\" --set 'a b'=c \\\"q | jq . # c"))
        .containsExactly(
            "A=1", "tokenwatch", "audit", "why", "$(x --y | z)", "--set", "a b=c", "\"q");
  }
}
