import type { CommandName } from "./parseCliArgs.js";

const LINK_OPTIONS = `Link (one of):
  --url <url>          The CI link, <server>/api/v1/otp/<token>. Prefer the
                       COUNTERSIGN_URL environment variable (a CI secret).
  --url-file <path>    Read the link from a file, or - for standard input: it is
                       then in no process's environment.
  --server <origin>    The server's origin; the token comes from COUNTERSIGN_TOKEN.`;

const COMMON_OPTIONS = `Options:
  --package <name@ver> Package to show on the phone (default: ./package.json).
  --wait <seconds>     How long to wait for an answer in total (default 300).
  --no-oidc            Do not send the CI provider's OIDC token.
  --verbose            Log each HTTP exchange on stderr (never the token).`;

const EXEC_OPTIONS = `  --mode <mode>        auto (default): relay for npm, pnpm, yarn, lerna,
                       changeset, semantic-release…, before for anything else;
                       relay: answer the registry's own 2FA challenges;
                       before: fetch a code, then run the command.
  --run <seconds>      Relay: let one approval cover this much of the run if
                       you tick it on the phone (60-1800, default 900; 0: off).`;

const HELP_OPTION = "  -h, --help           Show this help.";

const ENVIRONMENT = `Environment:
  COUNTERSIGN_URL      The CI link (instead of --url).
  COUNTERSIGN_URL_FILE A file holding the link, or - (instead of --url-file).
  COUNTERSIGN_SERVER   The server's origin (instead of --server).
  COUNTERSIGN_TOKEN    The link token, with COUNTERSIGN_SERVER.
  COUNTERSIGN_ID_TOKEN An OIDC ID token to send (GitLab: from id_tokens:).
  COUNTERSIGN_WAIT     Default for --wait.
  COUNTERSIGN_MODE     Default for --mode (exec).
  COUNTERSIGN_RUN      Default for --run (exec).`;

const EXIT_CODES = `Exit codes:
  0 code delivered   1 unexpected error   2 usage error   3 denied on the phone
  4 timed out or expired   5 not authorized (unknown or revoked link, policy)`;

const MAIN = `countersign — get a one-time password for CI from your phone.

Usage:
  countersign otp [options]               Print the code on stdout.
  countersign exec [options] [--] <cmd…>  Run <cmd>; your phone is asked when
                                          the registry asks for a second factor.
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

const EXEC = `countersign exec — run a publishing command; your phone approves its 2FA.

Usage:
  countersign exec [options] [--] <command> [args…]

npm, pnpm, yarn (and tools that run them) talk to the registry through a relay
on 127.0.0.1: when the registry asks for a second factor, your phone is asked,
with what the registry was asked to do, and the request is sent again with the
code (or, for a passkey account, after you use your passkey on the registry's
page). No challenge, no notification.
  npx countersign exec -- npm publish --provenance

Other commands (gem push, scripts) get a code first, in NPM_CONFIG_OTP,
PNPM_CONFIG_OTP, GEM_HOST_OTP_CODE and COUNTERSIGN_OTP.
  npx countersign exec -- gem push rocket-1.4.0.gem

COUNTERSIGN_URL, COUNTERSIGN_URL_FILE, COUNTERSIGN_TOKEN and COUNTERSIGN_ID_TOKEN
are removed from the command's environment; stdio is passed through; exec exits
with its status.

${LINK_OPTIONS}

${COMMON_OPTIONS}
${EXEC_OPTIONS}
${HELP_OPTION}

${ENVIRONMENT}

${EXIT_CODES}
  If the command ran and nothing was denied or timed out, exec exits with the
  command's own status.`;

/** The help text for a command, or the overview. */
export function helpText(topic?: CommandName): string {
  if (topic === "otp") return OTP;
  if (topic === "exec") return EXEC;
  return MAIN;
}
