/** Ready-to-paste CI snippets. They read the link from a CI secret, so copying them never copies the token. */
export interface Recipe {
  title: string;
  text: string;
}

/**
 * Plain curl, in a form that fails the step with the server's message when
 * the answer is not a code: a denial's JSON must never reach npm as the OTP.
 * The same text is in README.md and docs/api.md; all are run in bash against
 * the real server by functions/src/http/curlRecipes.test.ts.
 */
export const CURL_RECIPE = String.raw`otp=$(curl -sS --fail-with-body -X POST "$COUNTERSIGN_URL") || { echo "Countersign: $otp" >&2; exit 1; }
printf '%s\n' "$otp" | grep -Eqx '[0-9]{6,8}' || { echo "Countersign did not answer with a code: $otp" >&2; exit 1; }
npm publish --otp="$otp"`;

/**
 * `origin` is the server's public origin: the audience of the OIDC token the
 * job sends, so a link with a policy can check which repository is asking.
 * `noCode`: the link's account is a passkey account, which can never give a
 * code, so the recipe that fetches one first (curl) is left out.
 */
export function ciRecipes(origin = "https://<your Countersign server>", options: { noCode?: boolean } = {}): Recipe[] {
  const recipes: Recipe[] = [
    {
      title: "GitHub Actions step",
      text: `# In the job: permissions: { contents: read, id-token: write }
- name: Publish
  run: npx -y countersign@0.1.0 exec -- npm publish
  env:
    COUNTERSIGN_URL: \${{ secrets.COUNTERSIGN_URL }}
    NODE_AUTH_TOKEN: \${{ secrets.NPM_TOKEN }}`,
    },
    {
      title: "GitLab job",
      text: `publish:
  image: node:22
  id_tokens:
    COUNTERSIGN_ID_TOKEN:
      aud: ${origin}
  script:
    - echo "//registry.npmjs.org/:_authToken=\${NPM_TOKEN}" > .npmrc
    - npx -y countersign@0.1.0 exec -- npm publish
  # COUNTERSIGN_URL and NPM_TOKEN: masked CI/CD variables`,
    },
    {
      title: "curl",
      text: CURL_RECIPE,
    },
    {
      title: "Countersign CLI",
      text: "npx -y countersign@0.1.0 exec -- npm publish",
    },
  ];
  return options.noCode ? recipes.filter((recipe) => recipe.title !== "curl") : recipes;
}
