/** A Dockerfile as instructions grouped by stage (continuations joined, comments dropped). */
export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  name: string | undefined;
  base: string;
  instructions: Instruction[];
}

export interface ParsedDockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  globalArgs: Record<string, string>;
  stages: Stage[];
}

export class DockerfileParseError extends Error {
  readonly code = 'DOCKERFILE_PARSE';
}

export function parseDockerfile(text: string): ParsedDockerfile {
  const lines = text.split('\n');
  const instructions: Instruction[] = [];
  let current = '';
  let start = 0;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) return;
    if (current !== '' && line.startsWith('#')) return; // comment inside a continuation
    if (current === '') start = i + 1;
    if (line.endsWith('\\')) {
      current += line.slice(0, -1) + ' ';
      return;
    }
    current += line;
    const m = /^([A-Za-z]+)\s+([\s\S]*)$/.exec(current);
    if (!m) throw new DockerfileParseError(`line ${start}: ${current}`);
    instructions.push({ keyword: m[1].toUpperCase(), args: m[2].trim(), line: start });
    current = '';
  });
  if (current !== '') throw new DockerfileParseError('file ends inside a line continuation');

  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new DockerfileParseError(`line ${ins.line}: bad FROM ${ins.args}`);
      stages.push({ base: m[1], name: m[2], instructions: [] });
    } else if (stages.length === 0) {
      if (ins.keyword !== 'ARG') throw new DockerfileParseError(`line ${ins.line}: ${ins.keyword} before FROM`);
      const [name, value] = ins.args.split('=');
      globalArgs[name] = value ?? '';
    } else {
      stages[stages.length - 1].instructions.push(ins);
    }
  }
  return { globalArgs, stages };
}

/** Exec-form JSON array of CMD/ENTRYPOINT/HEALTHCHECK CMD, or undefined for shell form. */
export function execForm(args: string): string[] | undefined {
  try {
    const value = JSON.parse(args) as unknown;
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * .dockerignore semantics (moby patternmatcher, enough for our file): patterns in order, the last
 * one matching a path or one of its parent directories decides; "!" re-includes.
 */
export function dockerIgnored(patterns: string[], path: string): boolean {
  let ignored = false;
  const parts = path.split('/');
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  for (const rawPattern of patterns) {
    const negate = rawPattern.startsWith('!');
    const pattern = (negate ? rawPattern.slice(1) : rawPattern).replace(/^\/+|\/+$/g, '');
    const re = new RegExp(
      '^' +
        pattern
          .split('/')
          .map((seg) => (seg === '**' ? '.*' : seg.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')))
          .join('/')
          .replace(/\.\*\//g, '(?:.*/)?') +
        '$',
    );
    if (prefixes.some((p) => re.test(p))) ignored = !negate;
  }
  return ignored;
}

export function dockerignorePatterns(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}
