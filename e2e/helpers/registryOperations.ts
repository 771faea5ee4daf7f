import type { RegistryOperation } from "@countersign/shared";

type PublishDetails = Pick<RegistryOperation, "tag" | "tarball">;

/**
 * The operation `countersign exec`'s registry relay reads from a challenged
 * `npm publish` of an unscoped package (docs/api.md), with the dist-tag and
 * tarball when the test shows them. Shared by the e2e specs, the screenshots
 * and the relay's unit tests, so every one of them sends the same shape.
 */
export function npmPublish<Details extends PublishDetails>(
  name: string,
  version: string,
  details: Details = {} as Details,
): RegistryOperation & Details {
  return {
    action: "publish",
    registry: "registry.npmjs.org",
    method: "PUT",
    path: `/${name}`,
    package: { name, version },
    ...details,
  };
}
