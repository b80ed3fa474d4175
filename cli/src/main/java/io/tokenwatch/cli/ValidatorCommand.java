package io.tokenwatch.cli;

import io.tokenwatch.schemas.config.DeprecatedKeys;
import io.tokenwatch.validator.http.ValidatorConfig;
import io.tokenwatch.validator.http.ValidatorService;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import picocli.CommandLine.Command;

/** {@code tokenwatch validator}: the validator as a forward-auth sidecar for a gateway. */
@Command(
    name = "validator",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the validator sidecar: a forward-auth endpoint for NGINX auth_request, Traefik"
          + " ForwardAuth and Envoy ext_authz, fed by the revocation topic.",
      "Settings (validator.* keys, see validator-sidecar/README.md) come from --config, TOKENWATCH_*"
          + " environment variables and --set, in rising precedence."
    })
final class ValidatorCommand extends ServiceCommand<ValidatorService> {

  @Override
  ConfigDef configDef() {
    return ValidatorConfig.configDef();
  }

  @Override
  DeprecatedKeys deprecatedKeys() {
    return ValidatorConfig.deprecatedKeys();
  }

  @Override
  ValidatorService start(Map<String, Object> settings) {
    return ValidatorService.start(ValidatorConfig.of(settings));
  }

  @Override
  String readyLine(ValidatorService service) {
    return "url=http://localhost:" + service.port();
  }
}
