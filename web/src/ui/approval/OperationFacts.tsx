import { describeOperation, type RegistryOperation } from "@countersign/shared";
import type { ReactNode } from "react";
import { formatBytes, shortIntegrity } from "../format.js";

function Row({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="fact">
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/**
 * What the registry was asked to do, as the CLI read it from the very request
 * the registry challenged: a third kind of fact, neither claimed by CI about
 * itself nor proven by its OIDC token, but what the code will be used for.
 */
export function OperationFacts({ operation }: { operation: RegistryOperation }) {
  const action = describeOperation(operation);
  const pkg = operation.package;
  return (
    <section className="operation" aria-labelledby="operation-title">
      <h3 id="operation-title" className="operation-title">
        What the registry was asked <span className="badge badge-read">read from the publish request</span>
      </h3>
      <dl className="facts facts-read">
        <Row term="Action">{`${action.charAt(0).toUpperCase()}${action.slice(1)}`}</Row>
        {pkg ? <Row term="Package">{`${pkg.name}${pkg.version ? `@${pkg.version}` : ""}`}</Row> : null}
        {operation.tag ? <Row term="Tag">{operation.tag}</Row> : null}
        {operation.access ? <Row term="Access">{operation.access}</Row> : null}
        {operation.maintainers ? <Row term="Maintainers after">{operation.maintainers.join(", ")}</Row> : null}
        {operation.tarball ? (
          <Row term="Tarball">
            <span>{formatBytes(operation.tarball.size)}</span>
            <details className="integrity">
              <summary>
                <code>{shortIntegrity(operation.tarball.integrity)}</code>
              </summary>
              <code className="integrity-full">{operation.tarball.integrity}</code>
            </details>
          </Row>
        ) : null}
        <Row term="Registry">{operation.registry}</Row>
      </dl>
    </section>
  );
}
