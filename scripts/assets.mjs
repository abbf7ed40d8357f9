// node scripts/assets.mjs PKG_DIR CSS JS WASM [--budget]
//
// Puts the built stylesheet, the islands' JavaScript and WebAssembly into
// PKG_DIR under names carrying a hash of their content
// (carebook.<16 hex>.css, .js, .wasm), each beside its brotli (quality 11)
// and gzip (level 9) twin for the server to choose by Accept-Encoding, and
// writes PKG_DIR/assets.txt, which tells the server the names. Older hashed
// files are removed. The stylesheet is also kept as carebook.css for the
// demonstration log-in service's own pages. Prints each file's raw, brotli and gzip size.
//
// With --budget, fails (exit 1) when a file's brotli size exceeds its budget
// below: the size budget the test command checks on the release bundle.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, readdirSync, unlinkSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

// Brotli bytes. Measured on the release bundle (README, "Size"), with room
// for growth but not for a regression such as a whole app hydrating again.
const BUDGET = { css: 30_000, js: 8_000, wasm: 100_000 };

const args = process.argv.slice(2);
const budget = args.includes('--budget');
const [pkg, css, js, wasm] = args.filter((a) => a !== '--budget');
if (!wasm) {
  console.error('usage: node scripts/assets.mjs PKG_DIR CSS JS WASM [--budget]');
  process.exit(2);
}
mkdirSync(pkg, { recursive: true });
for (const f of readdirSync(pkg)) {
  if (/^carebook\.[0-9a-f]{16}\.(css|js|wasm)(\.br|\.gz)?$/.test(f) || /^carebook\.(css|js|wasm)(\.br|\.gz)?$/.test(f)) {
    unlinkSync(join(pkg, f));
  }
}
const lines = [];
const rows = [];
let over = false;
for (const [kind, source] of [['css', css], ['js', js], ['wasm', wasm]]) {
  const bytes = readFileSync(source);
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const name = `carebook.${hash}.${kind}`;
  const br = brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_MODE]: kind === 'wasm' ? constants.BROTLI_MODE_GENERIC : constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
  const gz = gzipSync(bytes, { level: 9 });
  writeFileSync(join(pkg, name), bytes);
  writeFileSync(join(pkg, `${name}.br`), br);
  writeFileSync(join(pkg, `${name}.gz`), gz);
  if (kind === 'css') {
    // The demonstration log-in service's pages (server/src/auth/demo_provider)
    // are not the app's: they link the stylesheet by its plain name, which
    // is not cached for ever.
    writeFileSync(join(pkg, 'carebook.css'), bytes);
    writeFileSync(join(pkg, 'carebook.css.br'), br);
    writeFileSync(join(pkg, 'carebook.css.gz'), gz);
  }
  lines.push(`${kind} ${name}`);
  const fits = br.length <= BUDGET[kind];
  if (!fits) over = true;
  rows.push(`${kind.padEnd(5)} ${String(bytes.length).padStart(9)} ${String(br.length).padStart(9)} ${String(gz.length).padStart(9)} ${String(BUDGET[kind]).padStart(9)}${fits ? '' : '  OVER BUDGET'}  ${name}`);
}
writeFileSync(join(pkg, 'assets.txt'), lines.join('\n') + '\n');
console.error('asset       raw    brotli      gzip    budget (brotli bytes)');
for (const r of rows) console.error(r);
if (budget && over) {
  console.error('assets: a file exceeds its brotli budget');
  process.exit(1);
}
