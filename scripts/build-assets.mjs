// Build the committed front-end assets under static/vendor/ so the demo needs no Node.js:
//   npm ci && npm run build
// 1. static/scss/homeroom.scss (GOV.UK Frontend with Homeroom's settings) -> homeroom.min.css
// 2. govuk-frontend.min.js, htmx.min.js and the htmx WebSocket extension, copied as shipped,
//    with their licences.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const modules = join(root, "node_modules");
const vendor = join(root, "static", "vendor");

function version(pkg) {
  return JSON.parse(readFileSync(join(modules, pkg, "package.json"), "utf8")).version;
}

// Copy a file as shipped, minus any source-map comment: the maps are not vendored, and a dangling
// reference makes browsers (and Django's manifest storage) look for a file that is not there.
function copy(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  if (/\.(m?js|css)$/.test(from)) {
    const text = readFileSync(from, "utf8").replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, "\n");
    writeFileSync(to, text);
  } else {
    copyFileSync(from, to);
  }
  console.log(`copied ${to.slice(root.length + 1)}`);
}

// Only the folders this script owns, so hand-added vendor files elsewhere are kept.
for (const folder of ["govuk-frontend", "htmx"]) {
  rmSync(join(vendor, folder), { recursive: true, force: true });
}

// --- CSS -------------------------------------------------------------------------------------
const govuk = join(modules, "govuk-frontend", "dist");
const result = sass.compile(join(root, "static", "scss", "homeroom.scss"), {
  loadPaths: [govuk],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import", "global-builtin", "color-functions", "slash-div"],
  // No byte-order mark (nor @charset): Sass puts one at the start of output with any non-ASCII
  // character, and behind our banner it is no longer at the start, so browsers read it as part
  // of the first selector and drop that rule: `:root`, which holds the breakpoints govuk-frontend's
  // scripts read (the service navigation's "Menu" failed on every page). The file is served as
  // UTF-8 anyway.
  charset: false,
});
const css = result.css.replace(/^\uFEFF/, "");
// No GDS Transport and no crest/crown images (both belong to GOV.UK, not to us), and no url()
// at all, so the CSS never asks for a file that static/vendor does not ship.
for (const banned of ["GDS Transport", "url("]) {
  if (css.includes(banned)) {
    throw new Error(`compiled CSS still contains ${banned}; check static/scss/homeroom.scss`);
  }
}
mkdirSync(join(vendor, "govuk-frontend"), { recursive: true });
const banner = `/*! Homeroom build of govuk-frontend ${version("govuk-frontend")} (MIT) */\n`;
writeFileSync(join(vendor, "govuk-frontend", "homeroom.min.css"), banner + css + "\n");
console.log(`wrote static/vendor/govuk-frontend/homeroom.min.css (${css.length} bytes)`);

// --- JavaScript ------------------------------------------------------------------------------
copy(join(govuk, "govuk", "govuk-frontend.min.js"), join(vendor, "govuk-frontend", "govuk-frontend.min.js"));
copy(join(modules, "htmx.org", "dist", "htmx.min.js"), join(vendor, "htmx", "htmx.min.js"));
copy(join(modules, "htmx.org", "LICENSE"), join(vendor, "htmx", "LICENSE"));
copy(join(modules, "htmx-ext-ws", "dist", "ws.min.js"), join(vendor, "htmx", "ext", "ws.min.js"));

const licences = { "govuk-frontend": "MIT", "htmx.org": "0BSD", "htmx-ext-ws": "0BSD" };
const versions = Object.entries(licences).map(([p, licence]) => `${p} ${version(p)} (${licence})`);
writeFileSync(
  join(vendor, "VERSIONS.txt"),
  `Built by scripts/build-assets.mjs (npm run build); do not edit by hand.\n${versions.join("\n")}\n`,
);
console.log(versions.join(", "));
