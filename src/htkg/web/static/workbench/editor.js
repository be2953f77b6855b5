// The query editor: YASGUI on this graph's endpoint, offline (no prefix.cc, no LOV, no CORS proxy),
// with the project's prefixes, the named queries as examples, labelled local links in the result
// table, downloads in every format the endpoint offers, and a clear message when a query is stopped.

const config = JSON.parse(document.getElementById("wb-config").textContent);
const endpoint = new URL(config.endpoint, window.location.href).href;
const prefixes = config.prefixes;
const base = prefixes.id.replace(/id\/$/, "");
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
  message.textContent = e.message + (e.line ? ` (line ${e.line}, column ${e.column})` : "");
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

const yasgui = new window.Yasgui(document.getElementById("yasgui"), {
  requestConfig: { endpoint, method: "POST" },
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
  if (tab && tab.getEndpoint() !== endpoint) tab.setEndpoint(endpoint);
}

// --- examples: the named queries, opened in a tab with their example parameter values ----------
function withExampleValues(q) {
  const lines = q.parameters.filter((p) => p.required && p.example).map((p) =>
    `VALUES ?${p.name} { ${p.type === "iri" ? `<${p.example}>` : JSON.stringify(p.example)} }`);
  if (!lines.length) return q.sparql;
  return `${q.sparql.trimEnd()}\n# example value${lines.length > 1 ? "s" : ""} of the required parameter${lines.length > 1 ? "s" : ""}\n${lines.join("\n")}\n`;
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
    yasgui.addTab(true, { name: q.title, yasqe: { value: withExampleValues(q) }, requestConfig: { endpoint } });
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

function localHref(iri) {
  return iri.startsWith(base) ? new URL("/" + iri.slice(base.length), window.location.href).href : iri;
}

function decorate(root) {
  for (const a of root.querySelectorAll("a.iri:not([data-wb])")) {
    const iri = a.getAttribute("href");
    if (!iri || !iri.startsWith(base)) continue;
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
  for (const a of document.querySelectorAll("#yasgui a.iri[data-wb]")) addLabel(a, labels.get(a.dataset.iri));
}

new MutationObserver(() => decorate(document.getElementById("yasgui")))
  .observe(document.getElementById("yasgui"), { childList: true, subtree: true });

function watchTab(tab) {
  if (!tab || tab.__wbWatched) return;
  tab.__wbWatched = true;
  tab.on("queryBefore", () => { statusEl.textContent = ""; });
}
yasgui.on("tabChange", (_y, tab) => { watchTab(tab); showDownloads(); });
yasgui.on("tabSelect", () => setTimeout(showDownloads));
yasgui.on("query", () => showDownloads());
watchTab(yasgui.getTab());
showDownloads();
document.getElementById("yasgui").addEventListener("keyup", () => showDownloads());
window.htkgEditor = yasgui; // for the browser tests and for people at the console
