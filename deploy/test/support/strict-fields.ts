import ts from 'typescript';
import { join } from 'node:path';
import { REPO_ROOT } from './kustomize.js';
import { modulePath } from './k8s-schema.js';
import type { K8sObject } from './k8s-object.js';

/**
 * The JSON schemas of kubernetes-models accept unknown fields (the API server drops them silently,
 * so a typo such as `readOnlyRootFileSystem` is lost without a word). This check types every object
 * as an object literal against the same packages' TypeScript interfaces: TypeScript's excess
 * property check then names every field that does not exist, at any depth.
 */
export function unknownFieldProblems(objects: K8sObject[]): string[] {
  const virtualFile = join(REPO_ROOT, 'deploy/test/__strict-fields-check__.ts');
  const lines: string[] = [];
  const lineToObject = new Map<number, K8sObject>();
  const problems: string[] = [];
  objects.forEach((object, i) => {
    const path = modulePath(object.apiVersion, object.kind);
    if (!path) {
      problems.push(`${object.kind}/${object.metadata.name}: no type for ${object.apiVersion} ${object.kind}`);
      return;
    }
    lines.push(`import type { I${object.kind} as T${i} } from '${path}';`);
    lineToObject.set(lines.length, object);
    lines.push(`export const o${i}: T${i} = ${JSON.stringify(object)};`);
    lineToObject.set(lines.length - 1, object);
  });
  const source = lines.join('\n');
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) =>
    fileName === virtualFile ? ts.createSourceFile(fileName, source, languageVersion, true) : getSourceFile(fileName, languageVersion, onError, shouldCreate);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (fileName) => fileName === virtualFile || fileExists(fileName);
  const readFile = host.readFile.bind(host);
  host.readFile = (fileName) => (fileName === virtualFile ? source : readFile(fileName));
  const program = ts.createProgram([virtualFile], options, host);
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    if (d.file?.fileName !== virtualFile || d.start === undefined) {
      problems.push(message);
      continue;
    }
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    const object = lineToObject.get(line);
    problems.push(`${object ? `${object.metadata.namespace ?? ''}/${object.kind}/${object.metadata.name}` : `line ${line}`}: ${message}`);
  }
  return problems;
}
