/**
 * Whether `ref` matches a glob `pattern`: `*` stands for any characters
 * within one path segment, `**` for any characters across segments; all
 * else is literal and case-sensitive, as git refs are.
 */
export function matchRefPattern(pattern: string, ref: string): boolean {
  const source = pattern
    .split("**")
    .map((part) =>
      part
        .split("*")
        .map((literal) => literal.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join("[^/]*"),
    )
    .join(".*");
  return new RegExp(`^${source}$`).test(ref);
}
