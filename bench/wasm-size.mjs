// Where a wasm's bytes go: its code and data sections (raw and gzip), and,
// when the file still has its name section, the largest functions and the
// raw code per crate (per module for ours), with how many copies of one
// generic function monomorphisation made.
//
//   node bench/wasm-size.mjs FILE.wasm [--top N]
//
// `make size-worker` runs it on the Worker as shipped, names kept. Gzip is
// only measurable for whole sections: a function's share of it is not
// separable, so functions are listed by raw size.
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";

/** GNU gzip -9, as the budget line of `make bench-mapping` measures (zlib's
 *  level 9 comes out some KB apart on the same bytes). */
const gzipped = (bytes) => execFileSync("gzip", ["-9c"], { input: bytes, maxBuffer: 1 << 26 }).length;

const SECTION = { custom: 0, import: 2, code: 10, data: 11 };

function leb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, at];
  }
}

function sections(bytes) {
  const out = [];
  let at = 8; // magic and version
  while (at < bytes.length) {
    const id = bytes[at++];
    let size;
    [size, at] = leb(bytes, at);
    out.push({ id, body: bytes.subarray(at, at + size) });
    at += size;
  }
  return out;
}

function name(bytes, at) {
  let length;
  [length, at] = leb(bytes, at);
  return [new TextDecoder().decode(bytes.subarray(at, at + length)), at + length];
}

/** Past a table's or memory's limits: flags, minimum, and a maximum if flagged. */
function skipLimits(body, at) {
  let flags;
  [flags, at] = leb(body, at);
  [, at] = leb(body, at);
  if (flags & 1) [, at] = leb(body, at);
  return at;
}

/** How many functions are imported: they come first in the function index space. */
function importedFunctions(body) {
  let [count, at] = leb(body, 0);
  let functions = 0;
  for (; count > 0; count--) {
    [, at] = name(body, at);
    [, at] = name(body, at);
    const kind = body[at++];
    if (kind === 0) {
      functions++;
      [, at] = leb(body, at);
    } else if (kind === 1) {
      at = skipLimits(body, at + 1); // after the element type
    } else if (kind === 2) {
      at = skipLimits(body, at);
    } else if (kind === 3) {
      at += 2; // value type, mutability
    } else if (kind === 4) {
      at++; // tag attribute
      [, at] = leb(body, at);
    } else {
      throw new Error(`import kind ${kind} is not known to this script`);
    }
  }
  return functions;
}

function functionSizes(body, firstIndex) {
  let [count, at] = leb(body, 0);
  const sizes = [];
  for (let index = firstIndex; count > 0; count--, index++) {
    let size;
    [size, at] = leb(body, at);
    sizes.push({ index, size });
    at += size;
  }
  return sizes;
}

/** The `name` custom section's function names, by function index. */
function functionNames(custom) {
  const names = new Map();
  let [title, at] = name(custom, 0);
  if (title !== "name") return names;
  while (at < custom.length) {
    const kind = custom[at++];
    let size;
    [size, at] = leb(custom, at);
    const end = at + size;
    if (kind === 1) {
      let count;
      [count, at] = leb(custom, at);
      for (; count > 0; count--) {
        let index, text;
        [index, at] = leb(custom, at);
        [text, at] = name(custom, at);
        names.set(index, text);
      }
    }
    at = end;
  }
  return names;
}

const PRIMITIVES = /^(bool|char|str|[iuf](8|16|32|64|128|size)|\[.*\]|\(.*\))$/;

/** The crate a function belongs to (ours by module). `<A as B>::f` is A's
 *  when A is a path, else B's; a handler inlined into js_sys's
 *  future_to_promise is listed as an entry point, where most of it is ours. */
function owner(functionName) {
  const plain = functionName.replace(/\[[0-9a-f]+\]/g, "");
  if (plain.startsWith("js_sys::futures::future_to_promise")) return "(entry points: handlers inlined)";
  const qualified = plain.match(/^<(?:&mut |&|\*const |\*mut |dyn )*(.+?) as (?:&mut |&)?(.+?)>::/);
  const inherent = plain.match(/^<(?:&mut |&)*(.+?)>::/);
  let path = plain;
  if (qualified) path = qualified[1].includes("::") ? qualified[1] : qualified[2];
  else if (inherent) path = inherent[1].includes("::") ? inherent[1] : "core::";
  if (PRIMITIVES.test(path.split("::")[0])) path = "core::";
  const ours = path.match(/^(ghl_bridge(?:_worker|_web)?)::([a-z_0-9]+)/);
  if (ours) return `${ours[1]}::${ours[2]}`;
  const crate = path.match(/^([a-z_0-9]+)::/);
  if (crate) return crate[1];
  return /shim|^__wbg|^__externref|^__wbindgen/.test(plain) ? "(wasm-bindgen glue)" : "(unnamed)";
}

/** A generic function's name without its hash, to count its copies. */
function withoutHash(functionName) {
  return functionName.replace(/::h[0-9a-f]{16}$/, "").replace(/\.\d+$/, "");
}

const kb = (n) => `${(n / 1000).toFixed(1).padStart(7)} KB`;

function printSections(path, bytes, all, named) {
  console.log(`${path}`);
  console.log(`  file                    ${kb(bytes.length)} raw ${kb(gzipped(bytes))} gzip`);
  if (named) console.log(`  of which function names ${kb(named.body.length)} raw (stripped when shipped)`);
  for (const [label, id] of [["code", SECTION.code], ["data", SECTION.data]]) {
    const body = all.find((s) => s.id === id)?.body ?? Buffer.alloc(0);
    console.log(`  ${label.padEnd(23)} ${kb(body.length)} raw ${kb(gzipped(body))} gzip`);
  }
}

function printLargest(functions, top) {
  console.log(`\n  the ${top} largest functions (raw bytes)`);
  for (const f of [...functions].sort((a, b) => b.size - a.size).slice(0, top)) {
    console.log(`  ${String(f.size).padStart(8)}  ${f.name.slice(0, 150)}`);
  }
}

/** Sums raw sizes by `keyOf(function)`: [key, {count, size}], largest first. */
function totals(functions, keyOf) {
  const by = new Map();
  for (const f of functions) {
    const entry = by.get(keyOf(f.name)) ?? { count: 0, size: 0 };
    entry.count++;
    entry.size += f.size;
    by.set(keyOf(f.name), entry);
  }
  return [...by].sort((a, b) => b[1].size - a[1].size);
}

function printByOwner(functions, top) {
  console.log(`\n  raw code by crate (ours by module); inlined code counts where it landed`);
  for (const [who, { size }] of totals(functions, owner).slice(0, top)) {
    console.log(`  ${kb(size)}  ${who}`);
  }
}

function printCopies(functions, top) {
  console.log(`\n  generic functions with the most raw bytes over their copies`);
  const copied = totals(functions, withoutHash).filter(([, { count }]) => count > 1);
  for (const [fn, { count, size }] of copied.slice(0, top)) {
    console.log(`  ${kb(size)} ${String(count).padStart(4)} copies  ${fn.slice(0, 130)}`);
  }
}

function report(path, top) {
  const bytes = readFileSync(path);
  const all = sections(bytes);
  const named = all.find((s) => s.id === SECTION.custom && name(s.body, 0)[0] === "name");
  printSections(path, bytes, all, named);
  if (!named) {
    console.log("  no name section (stripped): `make size-worker` lists functions from a named copy");
    return;
  }
  const imports = all.find((s) => s.id === SECTION.import);
  const names = functionNames(named.body);
  const code = all.find((s) => s.id === SECTION.code).body;
  const functions = functionSizes(code, imports ? importedFunctions(imports.body) : 0).map((f) => ({
    ...f,
    name: names.get(f.index) ?? `#${f.index}`,
  }));
  printLargest(functions, top);
  printByOwner(functions, top);
  printCopies(functions, Math.min(top, 20));
}

const args = process.argv.slice(2);
const topAt = args.indexOf("--top");
const top = topAt >= 0 ? Number(args.splice(topAt, 2)[1]) : 25;
if (args.length === 0) {
  console.error("usage: node bench/wasm-size.mjs FILE.wasm [--top N]");
  process.exit(2);
}
for (const path of args) report(path, top);
