import { chooseExecMode } from "../../cli/src/exec/chooseExecMode.js";
import { runCli } from "../../cli/src/runCli.js";
import { firstCommand } from "./firstCommand.js";
import { readInputs } from "./readInputs.js";

/**
 * The GitHub Action (action.yml at the repository root): `countersign exec` around the
 * `run` script, with the CLI's own code bundled into action/dist/index.js. The CLI reads the
 * job's context (`GITHUB_*`) and its OIDC token (`ACTIONS_ID_TOKEN_REQUEST_URL`/`_TOKEN`,
 * with `permissions: id-token: write`) from the environment as it does in a `run:` step.
 */
async function main(): Promise<number> {
  const read = readInputs(process.env);
  if (!read.ok) {
    process.stdout.write(`::error title=countersign::${read.message}\n`);
    return 2;
  }
  const { url, run, wait, mode } = read.inputs;
  // GitHub masks a value that came from secrets; this also covers a link passed some other way.
  const token = /\/otp\/([^/?#]+)/.exec(url)?.[1];
  if (token) process.stdout.write(`::add-mask::${token}\n`);

  // The script sees neither the link nor the inputs (INPUT_URL carries the link too).
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("INPUT_")));
  env.COUNTERSIGN_URL = url;

  // The script runs under bash, so the CLI's own `auto` would see `bash`: decide on the
  // script's first command instead.
  const resolved = chooseExecMode(mode, [firstCommand(run)]);
  const resolvedMode = resolved.ok ? resolved.value : mode;
  const argv = [
    "exec",
    "--mode",
    resolvedMode,
    ...(wait ? ["--wait", wait] : []),
    "--",
    "bash",
    "--noprofile",
    "--norc",
    "-e",
    "-o",
    "pipefail",
    "-c",
    run,
  ];
  const code = await runCli(argv, {
    env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    // In `before` mode the script gets the code in its environment; should it print it, the log shows ***.
    onCode: (otp) => process.stdout.write(`::add-mask::${otp}\n`),
  });
  if (code !== 0) process.stdout.write(`::error title=countersign::countersign exec ended with exit status ${code}.\n`);
  return code;
}

process.exitCode = await main();
