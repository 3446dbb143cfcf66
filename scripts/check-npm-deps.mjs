// The npm half of scripts/check-deps.sh: every package that a test or tool of
// the repository imports or requires must resolve to a package that a lock file
// pins and that a bootstrap installs with `npm ci` (scripts/bootstrap.sh
// --list-npm, bench/setup.sh --list-npm). A package installed by hand, or one
// that is only there because node_modules is left over from an earlier lock
// file, fails here, naming the file, the package and the folder to add it to.
//
//   node scripts/check-npm-deps.mjs
//
// Uses nothing but Node's own modules, so it runs before any `npm ci`.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const builtins = new Set(builtinModules);
const skipped = new Set(["node_modules", ".git", "data"]);

/** The folders a bootstrap runs `npm ci` in, relative to the repository. */
function installedFolders() {
  const folders = new Set();
  for (const script of ["scripts/bootstrap.sh", "bench/setup.sh"]) {
    const out = execFileSync(path.join(root, script), ["--list-npm"], { encoding: "utf8" });
    for (const line of out.split("\n")) if (line.trim()) folders.add(path.normalize(line.trim()));
  }
  return folders;
}

/** Every JavaScript file of the repository outside node_modules and build trees. */
function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skipped.has(entry.name) || entry.name.startsWith("build")) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(full);
    else if (/\.(mjs|cjs|js)$/.test(entry.name)) yield full;
  }
}

/**
 * The module specifiers a source names: static and dynamic imports, re-exports
 * and require() calls with a string literal. A pure function over the text.
 */
export function specifiers(text) {
  const found = new Set();
  const patterns = [
    /^\s*import\s+(?:[^'"`;]*?\s+from\s+)?["']([^"']+)["']/gm,
    /^\s*export\s+[^'"`;]*?\s+from\s+["']([^"']+)["']/gm,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
    /\brequire\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const pattern of patterns) for (const m of text.matchAll(pattern)) found.add(m[1]);
  return [...found];
}

/** The npm package a bare specifier names ("@scope/name/sub" → "@scope/name"), or null. */
export function packageOf(specifier) {
  if (/^(\.|\/|node:|data:|file:)/.test(specifier)) return null;
  const parts = specifier.split("/");
  const name = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
  return builtins.has(name) ? null : name;
}

/** The nearest folder at or above `dir`, inside the repository, with a package.json. */
function packageFolder(dir) {
  for (let d = dir; d.startsWith(root); d = path.dirname(d)) {
    if (existsSync(path.join(d, "package.json"))) return d;
    if (d === root) break;
  }
  return null;
}

function main() {
  const installed = installedFolders();
  const problems = [];
  let checked = 0;
  const locks = new Map();
  for (const file of sources(root)) {
    const rel = path.relative(root, file);
    for (const spec of specifiers(readFileSync(file, "utf8"))) {
      const pkg = packageOf(spec);
      if (!pkg) continue;
      checked++;
      const folder = packageFolder(path.dirname(file));
      if (!folder) {
        problems.push(`${rel} imports "${pkg}" but no package.json above it pins it`);
        continue;
      }
      const relFolder = path.relative(root, folder) || ".";
      if (!locks.has(folder)) {
        const lockPath = path.join(folder, "package-lock.json");
        const pkgJson = JSON.parse(readFileSync(path.join(folder, "package.json"), "utf8"));
        locks.set(folder, {
          lock: existsSync(lockPath) ? JSON.parse(readFileSync(lockPath, "utf8")) : null,
          declared: { ...pkgJson.dependencies, ...pkgJson.devDependencies, ...pkgJson.optionalDependencies },
        });
      }
      const { lock, declared } = locks.get(folder);
      if (!(pkg in declared)) problems.push(`${rel} imports "${pkg}", which ${relFolder}/package.json does not declare`);
      else if (!lock) problems.push(`${relFolder} has no package-lock.json, so "${pkg}" is not pinned`);
      else if (!lock.packages?.[`node_modules/${pkg}`])
        problems.push(`${rel} imports "${pkg}", which ${relFolder}/package-lock.json does not pin`);
      else if (!installed.has(path.normalize(relFolder)))
        problems.push(`${rel} imports "${pkg}" from ${relFolder}, where no bootstrap runs npm ci (add it to npm_dirs)`);
    }
  }
  if (problems.length) {
    console.log("check-npm-deps: FAILED.");
    for (const p of [...new Set(problems)]) console.log(`  ${p}`);
    process.exit(1);
  }
  console.log(`check-npm-deps: the ${checked} npm imports of the repository resolve to packages a bootstrap installs with npm ci`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
