/**
 * Architecture lint (DESIGN.md conventions 1 and 5): the pure core (src/domain, src/policy) imports no I/O library,
 * and nothing in src/ outside src/platform reads the wall clock or schedules timers. Exits 1 with one line per
 * violation. `npm run lint` runs it; the test suite runs it too.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PURE = ['src/domain', 'src/policy'];
const IO_IMPORT = /from\s+['"](node:[^'"]+|fs|path|http|https|net|express|socket\.io|ocpp-rpc|modbus-serial|better-sqlite3|lowdb[^'"]*|ws|pino|yaml)['"]/;
const CLOCK_USE = /\bDate\.now\(\)|\bsetTimeout\(|\bsetInterval\(|\bnew Date\(\)/;

export function findViolations(root = ROOT): string[] {
  const problems: string[] = [];
  for (const file of sourceFiles(join(root, 'src'))) {
    const rel = relative(root, file);
    const text = readFileSync(file, 'utf8');
    text.split('\n').forEach((line, index) => {
      if (line.trimStart().startsWith('//') || line.trimStart().startsWith('*')) return;
      if (PURE.some((dir) => rel.startsWith(dir)) && IO_IMPORT.test(line)) {
        problems.push(`${rel}:${index + 1}: the pure core must not import I/O (${line.trim()})`);
      }
      if (!rel.startsWith('src/platform') && CLOCK_USE.test(line)) {
        problems.push(`${rel}:${index + 1}: time must come from the injected Clock (${line.trim()})`);
      }
    });
  }
  return problems;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const problems = findViolations();
  for (const p of problems) process.stderr.write(`${p}\n`);
  process.exitCode = problems.length > 0 ? 1 : 0;
  if (problems.length === 0) process.stdout.write('architecture lint: OK\n');
}
