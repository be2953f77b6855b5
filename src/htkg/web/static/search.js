// Typeahead for the site's search box: asks /search for JSON as the person types and offers the
// best matches as an ARIA combobox list (arrows move, Enter opens, Escape closes). Without
// JavaScript the box is a plain form that opens /search.
(function () {
  "use strict";
  const input = document.getElementById("site-search");
  const list = document.getElementById("site-search-list");
  if (!input || !list) return;
  let active = -1, timer = null, last = "", controller = null;

  function options() { return Array.from(list.querySelectorAll("[role=option]")); }
  function close() {
    list.hidden = true; list.replaceChildren(); active = -1;
    input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant");
  }
  function highlight(i) {
    const opts = options();
    if (!opts.length) return;
    active = (i + opts.length) % opts.length;
    opts.forEach((o, k) => o.setAttribute("aria-selected", k === active ? "true" : "false"));
    input.setAttribute("aria-activedescendant", opts[active].id);
  }
  function show(results) {
    list.replaceChildren();
    results.forEach((r, i) => {
      const li = document.createElement("li");
      li.id = "site-search-option-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.dataset.href = r.path;
      const name = document.createElement("span");
      name.textContent = r.label;
      li.append(name);
      if (r.kind) {
        const kind = document.createElement("span");
        kind.className = "kind";
        kind.textContent = r.kind;
        li.append(" ", kind);
      }
      li.addEventListener("mousedown", (e) => { e.preventDefault(); window.location.href = r.path; });
      list.append(li);
    });
    list.hidden = !results.length;
    input.setAttribute("aria-expanded", results.length ? "true" : "false");
    active = -1;
  }
  function ask() {
    const q = input.value.trim();
    if (q === last) return;
    last = q;
    if (!q) { close(); return; }
    if (controller) controller.abort();
    controller = new AbortController();
    fetch("/search?format=json&limit=8&q=" + encodeURIComponent(q.slice(0, 200)), { signal: controller.signal })
      .then((r) => (r.ok ? r.json() : { results: [] }))
      .then((data) => { if (input.value.trim() === q) show(data.results || []); })
      .catch(() => {});
  }
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(ask, 120); });
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown") { e.preventDefault(); highlight(active + 1); }
    else if (e.key === "ArrowUp") { e.preventDefault(); highlight(active - 1); }
    else if (e.key === "Escape") { close(); }
    else if (e.key === "Enter" && active >= 0) {
      e.preventDefault();
      window.location.href = options()[active].dataset.href;
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
})();
