/** What the workflow gave the action (`with:`), as GitHub passes it: `INPUT_<NAME>` variables. */
export interface ActionInputs {
  /** The CI link (`with: url: ${{ secrets.COUNTERSIGN_URL }}`). */
  url: string;
  /** The script to run, as a `run:` step would (bash, `-e -o pipefail`). */
  run: string;
  /** Seconds to wait for the phone in total; absent: the CLI's default (300). */
  wait?: string;
  /** `auto`, `relay` or `before` (docs/github-action.md). */
  mode: string;
}

export type ReadInputs = { ok: true; inputs: ActionInputs } | { ok: false; message: string };

/**
 * Reads the inputs from the environment GitHub gives a JavaScript action: each `with:` value
 * as `INPUT_<NAME>` (upper case, spaces as `_`), empty when not given. `url` and `run` are
 * required; `mode` defaults to `auto`.
 */
export function readInputs(env: Record<string, string | undefined>): ReadInputs {
  const input = (name: string) => (env[`INPUT_${name.toUpperCase()}`] ?? "").trim();
  const url = input("url");
  if (!url) {
    // A GitHub expression, not a template: the workflow line to write.
    const expression = "$" + "{{ secrets.COUNTERSIGN_URL }}";
    return {
      ok: false,
      message: `Input \`url\` is required: the CI link from the Countersign app, \`url: ${expression}\`.`,
    };
  }
  const run = input("run");
  if (!run) return { ok: false, message: "Input `run` is required: the command to run, e.g. `run: npm publish`." };
  const wait = input("wait");
  return { ok: true, inputs: { url, run, mode: input("mode") || "auto", ...(wait ? { wait } : {}) } };
}
