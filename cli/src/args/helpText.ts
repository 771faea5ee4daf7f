import type { CommandName } from "./parseCliArgs.js";

const LINK_OPTIONS = `Link (one of):
  --url <url>          The CI link, <server>/api/v1/otp/<token>. Prefer the
                       COUNTERSIGN_URL environment variable (a CI secret).
  --server <origin>    The server's origin; the token comes from COUNTERSIGN_TOKEN.`;

const COMMON_OPTIONS = `Options:
  --package <name@ver> Package to show on the phone (default: ./package.json).
  --wait <seconds>     How long to wait for an answer in total (default 300).
  --no-oidc            Do not send the CI provider's OIDC token.
  --verbose            Log each HTTP exchange on stderr (never the token).`;

const HELP_OPTION = "  -h, --help           Show this help.";

const ENVIRONMENT = `Environment:
  COUNTERSIGN_URL      The CI link (instead of --url).
  COUNTERSIGN_SERVER   The server's origin (instead of --server).
  COUNTERSIGN_TOKEN    The link token, with COUNTERSIGN_SERVER.
  COUNTERSIGN_ID_TOKEN An OIDC ID token to send (GitLab: from id_tokens:).
  COUNTERSIGN_WAIT     Default for --wait.`;

const EXIT_CODES = `Exit codes:
  0 code delivered   1 unexpected error   2 usage error   3 denied on the phone
  4 timed out or expired   5 not authorized (unknown or revoked link, policy)`;

const MAIN = `countersign — get a one-time password for CI from your phone.

Usage:
  countersign otp [options]               Print the code on stdout.
  countersign exec [options] [--] <cmd…>  Run <cmd> with the code in
                                          NPM_CONFIG_OTP, GEM_HOST_OTP_CODE
                                          and COUNTERSIGN_OTP.
  countersign help <command>              Help for one command.
  countersign --version

Example:
  COUNTERSIGN_URL=<your CI link> npx countersign exec -- npm publish

${EXIT_CODES}

CI recipes (GitHub Actions, GitLab CI): see the package README.`;

const OTP = `countersign otp — ask your phone for a one-time password and print it.

Usage:
  countersign otp [options]

The code alone goes to stdout; progress and messages go to stderr:
  npm publish --otp="$(npx countersign otp)"

${LINK_OPTIONS}

${COMMON_OPTIONS}
  --json               Print {"otp", "requestId", "validUntil", …} on stdout
                       (or {"error", "message"} on failure).
${HELP_OPTION}

${ENVIRONMENT}

${EXIT_CODES}`;

const EXEC = `countersign exec — get a code, then run a command with it.

Usage:
  countersign exec [options] [--] <command> [args…]

The command runs with NPM_CONFIG_OTP, GEM_HOST_OTP_CODE and COUNTERSIGN_OTP set
(COUNTERSIGN_URL and COUNTERSIGN_TOKEN removed), stdio passed through; exec exits
with its status. A code lives 30 to 60 seconds: run exec right before the
publishing step, after builds and slow prepublish scripts.
  npx countersign exec -- npm publish --provenance

${LINK_OPTIONS}

${COMMON_OPTIONS}
${HELP_OPTION}

${ENVIRONMENT}

${EXIT_CODES}
  If the code is delivered, exec exits with the command's own status.`;

/** The help text for a command, or the overview. */
export function helpText(topic?: CommandName): string {
  if (topic === "otp") return OTP;
  if (topic === "exec") return EXEC;
  return MAIN;
}
