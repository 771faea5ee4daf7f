/** Prints one reliability figure so the run's output carries the number for docs/reliability.md. */
export function report(test: string, figures: Record<string, number | string>): void {
  const parts = Object.entries(figures).map(([name, value]) => `${name}=${value}`);
  process.stdout.write(`[reliability] ${test}: ${parts.join(", ")}\n`);
}
