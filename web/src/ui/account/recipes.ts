/** Ready-to-paste CI snippets. They read the link from a CI secret, so copying them never copies the token. */
export interface Recipe {
  title: string;
  text: string;
}

export function ciRecipes(): Recipe[] {
  return [
    {
      title: "GitHub Actions step",
      text: `- name: Publish
  run: npx countersign exec -- npm publish
  env:
    COUNTERSIGN_URL: \${{ secrets.COUNTERSIGN_URL }}
    NODE_AUTH_TOKEN: \${{ secrets.NPM_TOKEN }}`,
    },
    {
      title: "GitLab job",
      text: `publish:
  image: node:22
  script:
    - npx countersign exec -- npm publish
  # COUNTERSIGN_URL and NPM_TOKEN: masked CI/CD variables`,
    },
    {
      title: "curl",
      text: `npm publish --otp="$(curl -sS --fail-with-body -X POST "$COUNTERSIGN_URL")"`,
    },
    {
      title: "Countersign CLI",
      text: "npx countersign exec -- npm publish",
    },
  ];
}
