// The query editor: YASGUI on this graph's endpoint, offline (no prefix.cc, no LOV, no CORS proxy),
// with the project's prefixes, the named queries as examples, labelled local links in the result
// table, downloads in every format the endpoint offers, and a clear message when a query is stopped.

const config = JSON.parse(document.getElementById("wb-config").textContent);
const endpoint = new URL(config.endpoint, window.location.href).href;
const prefixes = config.prefixes;
const base = config.base;
const statusEl = document.getElementById("wb-status");
const { Yasqe, Yasr } = window.Yasgui;

function prefixBlock(names) {
  return names.map((p) => `PREFIX ${p}: <${prefixes[p]}>`).join("\n");
}

const STARTER = `${prefixBlock(Object.keys(prefixes))}

# Every organization with its English name
SELECT ?org ?name WHERE {
  ?org a org:Organization ;
       skos:prefLabel ?name .
}
ORDER BY ?name
LIMIT 50`;

async function sparql(query, accept = "application/sparql-results+json") {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: { Accept: accept, "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ query }),
  });
  if (!response.ok) throw new Error(await response.text());
  return response;
}

// --- completion: prefixes from the project, terms from the graph itself (never the web) ---------
const prefixList = Object.entries(prefixes).map(([p, iri]) => `${p}: <${iri}>`).sort();
Yasqe.forkAutocompleter("prefixes", { name: "htkg-prefixes", get: () => Promise.resolve(prefixList) }, false);

function termCompleter(name, query) {
  let cached;
  const list = () => (cached ??= sparql(query).then((r) => r.json())
    .then((j) => j.results.bindings.map((b) => b.t.value)).catch(() => []));
  Yasqe.forkAutocompleter(name === "htkg-class" ? "class" : "property", {
    name,
    get: (_yasqe, token) => list().then((all) => {
      const wanted = (token && token.autocompletionString) || "";
      return all.filter((iri) => iri.startsWith(wanted));
    }),
  }, false);
}
termCompleter("htkg-property", "SELECT DISTINCT ?t WHERE { ?s ?t ?o }");
termCompleter("htkg-class", "SELECT DISTINCT ?t WHERE { ?s a ?t }");
Yasqe.defaults.autocompleters = ["variables", "htkg-prefixes", "htkg-property", "htkg-class"];
Yasqe.defaults.prefixCcApi = null;

// --- errors: the endpoint's JSON error, and the time limit said plainly ------------------------
function renderError(error) {
  let body;
  try { body = JSON.parse(error.text); } catch { return undefined; }
  const e = body && body.error;
  if (!e) return undefined;
  const timeout = /time limit/i.test(e.message || "");
  const el = document.createElement("div");
  el.className = "wb-error" + (timeout ? " wb-timeout" : "");
  el.setAttribute("role", "alert");
  const title = document.createElement("strong");
  title.textContent = timeout ? "The query was stopped: it reached the time limit." : `Error ${e.status || ""} (${e.type || "error"})`;
  const message = document.createElement("p");
  message.textContent = e.message + (e.line && !String(e.message).includes(`line ${e.line}`) ? ` (line ${e.line}, column ${e.column})` : "");
  el.append(title, message);
  if (e.hint) {
    const hint = document.createElement("p");
    hint.className = "muted";
    hint.textContent = e.hint;
    el.append(hint);
  }
  statusEl.textContent = timeout ? e.message : "";
  return el;
}
Yasr.defaults.errorRenderers = [async (error) => renderError(error)];
Yasr.defaults.prefixes = prefixes;

// A browser tab cannot hold a result of millions of rows: the editor asks for the first rows only
// (the endpoint's max-rows; it says when it left rows out) and the downloads fetch the full result.
const rowCap = config.rowCap;
const requestArgs = [{ name: "max-rows", value: String(rowCap) }];

const yasgui = new window.Yasgui(document.getElementById("yasgui"), {
  requestConfig: { endpoint, method: "POST", args: requestArgs },
  copyEndpointOnNewTab: false,
  corsProxy: undefined,
  endpointCatalogueOptions: { getData: () => [{ endpoint }], keys: [] },
  persistenceId: "htkg-editor",
  yasqe: { value: STARTER, prefixCcApi: null, collapsePrefixesOnLoad: true },
  yasr: { prefixes, defaultPlugin: "table" },
});
// A persisted tab may name another endpoint: this editor only queries its own.
for (const id of Object.keys(yasgui._tabs)) {
  const tab = yasgui.getTab(id);
  if (!tab) continue;
  if (tab.getEndpoint() !== endpoint) tab.setEndpoint(endpoint);
  tab.setRequestConfig({ ...tab.getRequestConfig(), args: requestArgs });
}

// --- examples: the named queries, opened in a tab with their example parameter values ----------
// The server binds them (one VALUES block at the start of the WHERE group): the text runs as it is.
function withExampleValues(q) {
  const bound = q.parameters.filter((p) => p.required && p.example);
  if (!bound.length) return q.sparql;
  const names = bound.map((p) => `?${p.name} = ${p.example}`).join(", ");
  return `# example value${bound.length > 1 ? "s" : ""} of the required parameter${bound.length > 1 ? "s" : ""}: ${names}\n${q.example_sparql}`;
}

const examples = new Map();
fetch(config.examples, { headers: { Accept: "application/json" } }).then((r) => r.json()).then((list) => {
  const select = document.getElementById("wb-examples");
  for (const q of list) {
    examples.set(q.name, q);
    const option = document.createElement("option");
    option.value = q.name;
    option.textContent = q.title;
    option.title = q.description;
    select.append(option);
  }
  select.addEventListener("change", () => {
    const q = examples.get(select.value);
    if (!q) return;
    yasgui.addTab(true, { name: q.title, yasqe: { value: withExampleValues(q) },
      requestConfig: { endpoint, method: "POST", args: requestArgs } });
    select.value = "";
  });
  select.dataset.loaded = "true";
});

// --- downloads in every format the endpoint offers for the current query's form ---------------
function currentForm() {
  const tab = yasgui.getTab();
  const type = tab && tab.getYasqe() ? tab.getYasqe().getQueryType() : "SELECT";
  return type === "CONSTRUCT" || type === "DESCRIBE" ? "graph" : "results";
}

function showDownloads() {
  const kind = currentForm();
  for (const b of document.querySelectorAll(".wb-download")) b.hidden = b.dataset.kind !== kind;
}

document.getElementById("wb-downloads").addEventListener("click", async (event) => {
  const button = event.target.closest(".wb-download");
  if (!button) return;
  const tab = yasgui.getTab();
  try {
    const response = await sparql(tab.getYasqe().getValue(), button.dataset.mediaType);
    const url = URL.createObjectURL(await response.blob());
    const a = document.createElement("a");
    a.href = url;
    a.download = `query-results.${button.dataset.extension}`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    statusEl.textContent = "";
  } catch (err) {
    const el = renderError({ text: err.message });
    statusEl.textContent = el ? el.textContent : "The download failed.";
  }
});

// --- result table: things of this graph link to their local page, with their label -----------
const labels = new Map();
const pending = new Set();
let labelTimer;

// An IRI as a person may copy it into a query: prefix:name when the name is a legal one (no '/'),
// else the whole <IRI>. YASR would show <…/id/law/x/sec-1> as law:x/sec-1, which is no name at all.
const namespaces = Object.entries(prefixes).sort((a, b) => b[1].length - a[1].length);
const PN_LOCAL = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?$/;
function shortForm(iri) {
  for (const [p, ns] of namespaces) {
    if (iri.startsWith(ns) && PN_LOCAL.test(iri.slice(ns.length))) return `${p}:${iri.slice(ns.length)}`;
  }
  return `<${iri}>`;
}

function localHref(iri) {
  return iri.startsWith(base) ? new URL("/" + iri.slice(base.length), window.location.href).href : iri;
}

function decorate(root) {
  for (const a of root.querySelectorAll("a.iri:not([data-wb])")) {
    const iri = a.getAttribute("href");
    if (!iri) continue;
    if (a.textContent !== iri) a.textContent = shortForm(iri);
    if (!iri.startsWith(base)) { a.dataset.wb = "0"; continue; }
    a.dataset.wb = "1";
    a.dataset.iri = iri;
    a.href = localHref(iri);
    a.target = "_self";
    a.removeAttribute("rel");
    if (labels.has(iri)) addLabel(a, labels.get(iri));
    else if (!a.closest("sup")) pending.add(iri);
  }
  if (pending.size) {
    clearTimeout(labelTimer);
    labelTimer = setTimeout(fetchLabels, 50);
  }
}

function addLabel(a, label) {
  if (!label || a.nextElementSibling?.classList.contains("wb-label")) return;
  const span = document.createElement("span");
  span.className = "wb-label";
  span.textContent = label;
  a.after(span);
}

async function fetchLabels() {
  const iris = [...pending].filter((i) => !/[<>"\s{}|\\^`]/.test(i)).slice(0, 500);
  pending.clear();
  if (!iris.length) return;
  const query = `SELECT ?x ?l WHERE { VALUES ?x { ${iris.map((i) => `<${i}>`).join(" ")} }
    ?x <http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER (LANG(?l) = "en" || LANG(?l) = "") }`;
  try {
    const json = await (await sparql(query)).json();
    for (const b of json.results.bindings) if (!labels.has(b.x.value)) labels.set(b.x.value, b.l.value);
  } catch {
    return;
  }
  for (const iri of iris) if (!labels.has(iri)) labels.set(iri, null);
  for (const a of document.querySelectorAll("#yasgui a.iri[data-wb=\"1\"]")) addLabel(a, labels.get(a.dataset.iri));
}

new MutationObserver(() => decorate(document.getElementById("yasgui")))
  .observe(document.getElementById("yasgui"), { childList: true, subtree: true });

function showCap(response) {
  const cap = response && response.headers && response.headers.get && response.headers.get("HTKG-Row-Cap");
  if (!cap) return;
  const note = document.createElement("p");
  note.className = "wb-capped";
  note.textContent = `First ${Number(cap).toLocaleString("en")} rows shown: the result has more. ` +
    "Download the full result with the buttons above (JSON, XML, CSV, TSV).";
  statusEl.replaceChildren(note);
}

function watchTab(tab) {
  if (!tab) return;
  if (!tab.__wbWatched) {
    tab.__wbWatched = true;
    tab.on("queryBefore", () => { statusEl.textContent = ""; });
  }
  const yasqe = tab.getYasqe();   // created when the tab is first shown
  if (yasqe && !yasqe.__wbWatched) {
    yasqe.__wbWatched = true;
    yasqe.on("queryResponse", (_y, response) => showCap(response));
  }
}
yasgui.on("tabChange", (_y, tab) => { watchTab(tab); showDownloads(); });
yasgui.on("tabSelect", () => setTimeout(() => { watchTab(yasgui.getTab()); showDownloads(); }));
yasgui.on("query", () => showDownloads());
watchTab(yasgui.getTab());
showDownloads();
document.getElementById("yasgui").addEventListener("keyup", () => showDownloads());
// --- accessibility of YASGUI's own markup (WCAG 2.1 AA, checked with axe-core in the browser tests) --
// YASGUI's "add tab" button sits inside the tablist, where only tabs may be: it is hidden (YASGUI
// still inserts new tabs before it) and a button of our own, just after the list, adds tabs. The
// editor's text area, the table's page-size select and the results' scroll area get names.
function accessible() {
  const root = document.getElementById("yasgui");
  for (const list of root.querySelectorAll(".tabsList")) {
    const add = list.querySelector("button.addTab");
    if (add && !add.parentElement.hidden) add.parentElement.hidden = true;
    if (!list.nextElementSibling || !list.nextElementSibling.classList.contains("wb-addtab")) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "wb-addtab";
      button.textContent = "+";
      button.title = "Add a tab";
      button.setAttribute("aria-label", "Add a new query tab");
      button.addEventListener("click", () => yasgui.addTab(true, { requestConfig: { endpoint, method: "POST", args: requestArgs } }));
      list.after(button);
    }
  }
  for (const t of root.querySelectorAll(".CodeMirror textarea:not([aria-label])")) t.setAttribute("aria-label", "SPARQL query");
  for (const s of root.querySelectorAll("select.tableSizer:not([aria-label])")) s.setAttribute("aria-label", "Rows per page");
  for (const r of root.querySelectorAll(".yasr_results:not([tabindex])")) {
    r.setAttribute("tabindex", "0");
    r.setAttribute("role", "region");
    r.setAttribute("aria-label", "Query results");
  }
}
new MutationObserver(accessible).observe(document.getElementById("yasgui"), { childList: true, subtree: true });
accessible();

window.htkgEditor = yasgui; // for the browser tests and for people at the console
