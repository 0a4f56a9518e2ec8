// The GHL endpoint catalogue, one table per family.
function cell(tag, text, className) {
  const el = document.createElement(tag);
  el.textContent = text;
  if (className) el.className = className;
  return el;
}

export function renderCatalogue(root, entries) {
  const families = [...new Set(entries.map((e) => e.family))];
  for (const family of families) {
    const table = document.createElement("table");
    table.className = "catalogue";
    table.dataset.family = family;
    table.append(cell("caption", family));
    const head = table.createTHead().insertRow();
    for (const title of ["Method", "Path", "Scope", "Version", "OK", "What it does"]) head.append(cell("th", title));
    const body = table.createTBody();
    for (const e of entries.filter((x) => x.family === family)) {
      const row = body.insertRow();
      row.dataset.endpoint = e.id;
      row.append(cell("td", e.method, `method ${e.method.toLowerCase()}`));
      row.append(cell("td", e.path, "path"));
      row.append(cell("td", e.scope, "scope"));
      row.append(cell("td", e.version, "version"));
      row.append(cell("td", String(e.successStatus)));
      const what = cell("td", e.summary);
      if (e.uncertain) {
        const badge = cell("span", "unsure", "badge uncertain");
        badge.title = e.uncertain;
        what.append(" ", badge);
      }
      row.append(what);
    }
    root.append(table);
  }
}
