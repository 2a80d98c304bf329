/* Gongshi: pagefind/pagefind.js when the search index is split into several
 * Pagefind bundles (generator/search.py, split_pages, explains why).
 *
 * The same API as Pagefind's own pagefind.js, so every page and script keeps
 * importing pagefind/pagefind.js; searches run over all bundles, merged with
 * Pagefind's mergeIndex. The first bundle sits in pagefind/ itself, its
 * script renamed pagefind-core.js; the others in pagefind/1/, pagefind/2/…
 * keep only their index (their WebAssembly and worker are never fetched:
 * the first bundle's serve all of them).
 */
import * as core from "./pagefind-core.js";

const HERE = new URL("./", import.meta.url).href;
const MERGED = "__GONGSHI_MERGED__";

// Pagefind finds its files from its script's own name, pagefind.js; ours
// is pagefind-core.js, so it is told where they are.
let settings = {};
let merging = null;
let language = null;
await core.options({ basePath: HERE });

// The language the bundles cut queries for. Pagefind reads it from
// <html lang> once, synchronously, when its first call (init, search…)
// starts it, and the reader switches that attribute to "und" around its
// pf.init() call only (gongshi-reader.js, loadPagefind), so that queries
// are not cut with the browser's segmenter. The merged bundles are added
// later, asynchronously, when <html lang> is the page's again: they are
// given, explicitly, the language read when the first bundle started
// (Pagefind 1.5 would also default to it, but the reader's title search
// must not depend on that default). Each exported call below that starts
// Pagefind reads the language before its first await, in the same
// synchronous stretch as Pagefind does.
function start() {
  if (language === null) {
    const lang = typeof document !== "undefined" ? document.documentElement.getAttribute("lang") : null;
    language = (lang || "unknown").toLowerCase();
  }
}

// Options set before the first search apply to every bundle: the merged
// bundles are added then, with them (a resident's excerpt length, the
// site's base URL under a sub-path).
function merged() {
  if (!merging) {
    // Started in this order in one go: Pagefind lists the bundles in call
    // order, which breaks ties between equal scores the same way every time.
    // By path, as Pagefind holds the first bundle's: its results' URLs then
    // start at the site's root, not at the host.
    merging = Promise.all(MERGED.map((dir) => core.mergeIndex(new URL(dir, HERE).pathname, { ...settings, language })));
  }
  return merging;
}

export async function options(opts) {
  settings = { ...settings, ...opts };
  return core.options({ ...settings, basePath: HERE });
}

export async function init() {
  start();
  await core.init();
  await merged();
}

export async function search(term, opts) {
  start();
  await merged();
  return core.search(term, opts);
}

export async function debouncedSearch(term, opts, ms) {
  start();
  await merged();
  return core.debouncedSearch(term, opts, ms);
}

export async function preload(term, opts) {
  start();
  await merged();
  return core.preload(term, opts);
}

export async function filters() {
  start();
  await merged();
  return core.filters();
}

export function mergeIndex(path, opts) {
  return core.mergeIndex(path, opts);
}

export async function destroy() {
  await core.destroy();
  merging = null;
  settings = {};
  language = null;
  await core.options({ basePath: HERE });
}
