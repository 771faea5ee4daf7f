/**
 * The command a shell script starts with, for `mode: auto`: `npm` in
 * `NODE_ENV=production npm publish --tag next`. Leading variable assignments are skipped and
 * simple quotes removed; anything fancier (a subshell, `cd dir && …`) names no registry client,
 * so the action then fetches the code before the script runs, as `mode: before` does.
 */
export function firstCommand(script: string): string {
  const words = script.trim().split(/\s+/);
  const first = words.find((word) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) ?? "";
  return first.replace(/^["']|["']$/g, "");
}
