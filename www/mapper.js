// The visual mapping: one row per rule of the mapping JSON, which stays the one
// truth. Rows are drawn from the JSON on every change to it, and every change
// to a row rewrites the JSON at once (then the preview runs as if typed).
// Broken JSON keeps the last good rows on screen, with the row at the error's
// line flagged.
import { $, el } from "./dom.js";

const TRANSFORMS = [
  "trim", "lowercase", "uppercase", "titleCase", "collapseSpaces", "email", "phone", "firstName", "lastName", "date",
  // With options: added with a starting value the row then edits.
  { phone: { region: "FR" } }, { date: { format: "auto", output: "date" } }, { template: "{value}" },
  { default: "" }, { join: ", " }, { replace: { find: "", with: "" } }, { splitName: "first" },
  { to: "number" }, { lookup: { table: {} } },
];
const OPERATORS = ["equals", "in", "contains", "exists"];
const SECTIONS = [
  { key: "fields", title: "Contact fields", add: "a field", blank: () => ({ to: "", from: "" }) },
  { key: "tags", title: "Tags", add: "tag", blank: () => ({ value: "" }) },
  { key: "notes", title: "Notes", add: "note", blank: () => ({ template: "" }) },
  { key: "tasks", title: "Tasks", add: "task", blank: () => ({ title: "", dueIn: "1h" }) },
  { key: "removeTags", title: "Tags removed", add: "a tag to remove", blank: () => ({ value: "" }) },
  { key: "workflows", title: "Workflows", add: "workflow", blank: () => ({ enrol: "" }) },
  { key: "campaigns", title: "Campaigns", add: "campaign", blank: () => ({ enrol: "" }) },
  { key: "followers", title: "Followers", add: "followers", blank: () => ({ add: [] }) },
];
// What a workflows or campaigns row can do, as the mapping writes it.
const MEMBERSHIP_CHANGES = {
  workflows: [{ value: "enrol", label: "Enrol in" }, { value: "leave", label: "Take out of" }],
  campaigns: [{ value: "enrol", label: "Add to" }, { value: "leave", label: "Take out of" }, { value: "leaveAll", label: "Take out of every campaign" }],
};

const nameOf = (t) => (typeof t === "string" ? t : Object.keys(t)[0]);

/**
 * `textarea`: the mapping JSON; `targets()`: the GHL fields to offer
 * (`[{value, label}]`); `payloadFields()`: the sample payload's top-level
 * names; `suggest()`: the core's suggested mapping for the payload (text).
 */
export function setUpMapper({ textarea, targets, payloadFields, suggest }) {
  const root = $("visual-mapping");
  let doc = null;
  let errors = [];
  // The rows on screen by pointer, each with what it was drawn from: a row
  // whose rule and errors did not change is kept as it is, so a keystroke
  // redraws only the rule it edits (and focus stays where it was). New field
  // choices (the location's custom fields loaded) redraw every row.
  let drawn = new Map();
  let drawnChoices = null;

  function write(next) {
    doc = next;
    textarea.value = JSON.stringify(next, null, 2);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  /** Rewrites one rule (or removes it with `null`). */
  const change = (section, index, rule) => {
    const next = structuredClone(doc);
    const list = next[section] ?? [];
    if (rule === null) list.splice(index, 1);
    else list[index] = rule;
    next[section] = list;
    write(next);
  };

  function render() {
    let broken = null;
    try {
      doc = JSON.parse(textarea.value);
      if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new Error("the mapping is not a JSON object");
    } catch (e) {
      broken = e;
    }
    root.dataset.broken = broken ? "true" : "false";
    $("mapper-json-error").textContent = broken
      ? `The JSON does not parse (${broken.message}): the rows show its last good state; fix the JSON to edit them again.`
      : "";
    const body = $("mapper-rows");
    if (!doc) return body.replaceChildren();
    const lines = ruleLines(textarea.value);
    const choices = targets();
    const choicesKey = JSON.stringify(choices);
    if (choicesKey !== drawnChoices) drawn = new Map();
    drawnChoices = choicesKey;
    const kept = new Map();
    const groups = SECTIONS.map((section) => {
      const rows = (doc[section.key] ?? []).map((rule, index) => {
        const pointer = `/${section.key}/${index}`;
        const mine = errors.filter((e) => e.pointer === pointer || e.pointer.startsWith(`${pointer}/`)
          || (!e.pointer && lineOf(lines, e.line)?.pointer === pointer));
        const said = mine.map((e) => `line ${e.line}: ${e.message}`).join(" · ");
        const key = JSON.stringify([rule, Boolean(broken), said]);
        const row = drawn.get(pointer)?.key === key
          ? drawn.get(pointer).row
          : drawRow(section.key, rule, index, choices, Boolean(broken), said);
        kept.set(pointer, { key, row });
        return row;
      });
      const { group, head, add } = sectionGroup(section);
      add.disabled = Boolean(broken);
      place(group, [head, ...rows]);
      return group;
    });
    place(body, groups);
    drawn = kept;
    drawUnread(broken);
  }

  /** A section's box and heading with its "add" button, made once and kept. */
  const sectionBoxes = new Map();
  function sectionGroup(section) {
    if (!sectionBoxes.has(section.key)) {
      const group = el("div", undefined, "mapper-section");
      group.dataset.section = section.key;
      const head = el("div", undefined, "mapper-section-head");
      head.append(el("h4", section.title));
      const add = el("button", `+ Add ${section.add}`, "small");
      add.type = "button";
      add.addEventListener("click", () => change(section.key, (doc[section.key] ?? []).length, section.blank()));
      head.append(add);
      sectionBoxes.set(section.key, { group, head, add });
    }
    return sectionBoxes.get(section.key);
  }

  /** One rule's row, flagged with what the preview said of it. */
  function drawRow(section, rule, index, choices, locked, said) {
    const row = drawRule(section, rule, index, choices, change, locked);
    if (said) {
      row.classList.add("invalid");
      row.setAttribute("aria-invalid", "true");
      row.append(el("p", said, "row-error"));
    }
    return row;
  }

  /** Payload fields no rule reads, offered as new rows. */
  function drawUnread(broken) {
    const box = $("mapper-unread");
    box.replaceChildren();
    const read = pathsRead(doc);
    const unread = payloadFields().filter((f) => !read.has(f));
    if (!unread.length) {
      box.append(el("span", "Every field of the payload is read by a rule.", "hint"));
      return;
    }
    box.append(el("span", "Not mapped yet: ", "hint"));
    for (const field of unread) {
      const b = el("button", `+ ${field}`, "small chip-button");
      b.type = "button";
      b.disabled = broken;
      b.title = `Add a row that reads ${field}`;
      b.addEventListener("click", () => {
        const next = structuredClone(doc);
        next.fields = [...(next.fields ?? []), { to: guessTarget(field, targets()), from: field }];
        write(next);
      });
      box.append(b);
    }
  }

  $("suggest-mapping").addEventListener("click", () => {
    const suggested = JSON.parse(suggest());
    const keep = doc && !Array.isArray(doc) ? doc : {};
    write({ ...suggested, name: keep.name ?? suggested.name, settings: keep.settings ?? suggested.settings });
  });

  return {
    /** The preview's mapping errors: each shown at its row (the rows are redrawn). */
    showErrors(list) {
      errors = list ?? [];
      render();
    },
  };
}

/** Makes `parent`'s children exactly `nodes`, in order, touching only what
 * changed: a node already in place stays (no relayout of unchanged rows). */
function place(parent, nodes) {
  const wanted = new Set(nodes);
  nodes.forEach((node, i) => {
    const here = parent.children[i];
    if (here === node) return;
    if (here && !wanted.has(here)) here.replaceWith(node);
    else parent.insertBefore(node, here ?? null);
  });
  while (parent.children.length > nodes.length) parent.lastElementChild.remove();
}

/** A target for a payload field nobody maps yet: a custom field of that key if the location has one. */
function guessTarget(field, targets) {
  const key = `customField.${field}`;
  return targets.some((t) => t.value === key) ? key : "";
}

/** Every top-level payload name the mapping reads (paths, placeholders, conditions). */
function pathsRead(doc) {
  const read = new Set();
  const top = (path) => read.add(String(path).split(/[.[]/)[0]);
  const placeholders = (text) => String(text ?? "").replace(/\{([^}]+)\}/g, (_, p) => { if (p !== "value") top(p); return ""; });
  const visit = (rule) => {
    if (!rule || typeof rule !== "object") return;
    for (const p of [].concat(rule.from ?? [])) top(p);
    if (rule.when?.path) top(rule.when.path);
    for (const k of ["template", "title", "body"]) placeholders(rule[k]);
    if (rule.start) visit(rule.start);
  };
  for (const section of [...SECTIONS.map((s) => s.key), "appointments"]) (doc?.[section] ?? []).forEach(visit);
  return read;
}

/** The line each rule starts on, found by scanning the text (it works on broken JSON too). */
function ruleLines(text) {
  const found = [];
  let depth = 0, line = 1, inString = false, escaped = false, key = null, lastString = "";
  const stack = [];
  for (const ch of text) {
    if (ch === "\n") line++;
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === "\\") escaped = true;
      else if (ch === '"') inString = false;
      else lastString += ch;
      continue;
    }
    if (ch === '"') { inString = true; lastString = ""; continue; }
    if (ch === ":") key = lastString;
    if (ch === "[" || ch === "{") {
      const parent = stack[stack.length - 1];
      if (ch === "[" && depth === 1) stack.push({ section: key, index: -1 });
      else if (ch === "{" && parent?.section && depth === 2) {
        parent.index++;
        found.push({ line, pointer: `/${parent.section}/${parent.index}` });
        stack.push({});
      } else stack.push({});
      depth++;
    } else if (ch === "]" || ch === "}") {
      stack.pop();
      depth--;
    }
  }
  return found;
}

/** The rule whose text holds `line`: the last one starting at or before it. */
function lineOf(lines, line) {
  let hit = null;
  for (const l of lines) if (l.line <= line) hit = l;
  return hit;
}

// ----- One row ---------------------------------------------------------------

function labelled(text, control) {
  // Named by its own aria-label too: the wrapping label would add the value.
  if (!control.hasAttribute("aria-label")) control.setAttribute("aria-label", text);
  const label = el("label", undefined, "mapper-control");
  label.append(el("span", text, "mapper-label"), control);
  return label;
}

function input(value, onChange, { placeholder = "", size = 14 } = {}) {
  const box = document.createElement("input");
  box.value = value ?? "";
  box.placeholder = placeholder;
  box.size = size;
  box.addEventListener("change", () => onChange(box.value));
  return box;
}

function select(options, value, onChange) {
  const list = document.createElement("select");
  for (const o of options) list.append(new Option(o.label ?? o, o.value ?? o));
  if (value !== undefined && ![...list.options].some((o) => o.value === value)) list.append(new Option(`${value} (not a known field)`, value));
  list.value = value ?? "";
  list.addEventListener("change", () => onChange(list.value));
  return list;
}

function drawRule(section, rule, index, targets, change, locked) {
  const row = el("div", undefined, "mapper-row");
  row.dataset.pointer = `/${section}/${index}`;
  const set = (patch) => change(section, index, clean({ ...rule, ...patch }));
  if (section === "fields") {
    const options = [{ value: "", label: "Choose a GHL field…" }, ...targets];
    row.append(labelled("GHL field", select(options, rule.to, (to) => set({ to }))));
  }
  if (section === "fields" || section === "tags" || section === "removeTags") row.append(...valueControls(rule, set));
  if (section === "workflows" || section === "campaigns") row.append(...membershipControls(section, rule, set));
  if (section === "followers") {
    const users = input((rule.add ?? []).join(", "), (t) => set({ add: t.split(",").map((u) => u.trim()).filter(Boolean) }), { size: 24, placeholder: "GHL user ids" });
    row.append(labelled("Followers (user ids)", users));
  }
  if (section === "notes") row.append(labelled("Note", input(rule.template, (template) => set({ template }), { size: 30, placeholder: "Message: {message}" })));
  if (section === "tasks") {
    row.append(labelled("Task title", input(rule.title, (title) => set({ title }), { size: 22, placeholder: "Call {first_name}" })));
    row.append(labelled("Due in", input(rule.dueIn, (dueIn) => set({ dueIn }), { size: 5, placeholder: "1h" })));
  }
  if (section === "fields" || section === "tags" || section === "removeTags") row.append(transformControls(rule, set));
  row.append(conditionControls(rule, set));
  const remove = el("button", "Remove", "small danger");
  remove.type = "button";
  remove.setAttribute("aria-label", `Remove rule ${index + 1}`);
  remove.addEventListener("click", () => change(section, index, null));
  row.append(remove);
  for (const c of row.querySelectorAll("input, select, button")) c.disabled = locked;
  return row;
}

/** Drops the keys a row emptied, so the JSON stays as a person would write it. */
function clean(rule) {
  const out = {};
  for (const [k, v] of Object.entries(rule)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v) && v.length === 0 && k === "transforms") continue;
    out[k] = v;
  }
  return out;
}

/** Enrol in, take out of (one or, for campaigns, every one), and the id. */
function membershipControls(section, rule, set) {
  const change = rule.leaveAll ? "leaveAll" : rule.leave !== undefined ? "leave" : "enrol";
  const what = section === "workflows" ? "Workflow id" : "Campaign id";
  const write = (c, v) => set({ enrol: undefined, leave: undefined, leaveAll: undefined, [c]: c === "leaveAll" ? true : v });
  const id = input(rule[change], (v) => write(change, v), { size: 18, placeholder: section === "workflows" ? "wf_…" : "camp_…" });
  const changeBox = labelled("Change", select(MEMBERSHIP_CHANGES[section], change, (c) => write(c, id.value)));
  // Every campaign needs no id.
  return change === "leaveAll" ? [changeBox] : [changeBox, labelled(what, id)];
}

/** Where the value comes from: payload path(s), a constant or a template. */
function valueControls(rule, set) {
  const kind = rule.value !== undefined ? "value" : rule.template !== undefined ? "template" : "from";
  const text = kind === "from" ? [].concat(rule.from ?? []).join(", ") : kind === "value" ? String(rule.value) : rule.template;
  const kinds = [{ value: "from", label: "Payload" }, { value: "value", label: "Fixed value" }, { value: "template", label: "Template" }];
  const write = (k, t) => {
    const patch = { from: undefined, value: undefined, template: undefined };
    if (k === "from") {
      const paths = t.split(",").map((p) => p.trim()).filter(Boolean);
      patch.from = paths.length > 1 ? paths : paths[0] ?? "";
    } else patch[k] = t;
    set(patch);
  };
  const box = input(text, (t) => write(kind, t), { size: 16, placeholder: kind === "from" ? "email, mail" : "" });
  return [labelled("From", select(kinds, kind, (k) => write(k, box.value))), labelled(kind === "from" ? "Path(s)" : kind === "value" ? "Value" : "Template", box)];
}

function transformControls(rule, set) {
  const wrap = el("div", undefined, "mapper-transforms");
  wrap.append(el("span", "Transforms", "mapper-label"));
  const steps = rule.transforms ?? [];
  steps.forEach((step, i) => {
    const chip = el("span", undefined, "chip");
    chip.append(el("span", nameOf(step)));
    if (typeof step === "object") chip.append(optionControl(step, (next) => set({ transforms: steps.map((s, j) => (j === i ? next : s)) })));
    const x = el("button", "×", "chip-remove");
    x.type = "button";
    x.setAttribute("aria-label", `Remove the ${nameOf(step)} transform`);
    x.addEventListener("click", () => set({ transforms: steps.filter((_, j) => j !== i) }));
    chip.append(x);
    wrap.append(chip);
  });
  const options = [{ value: "", label: "+ transform…" }, ...TRANSFORMS.map((t, i) => ({ value: String(i), label: typeof t === "string" ? t : `${nameOf(t)} (with options)` }))];
  const add = select(options, "", (i) => set({ transforms: [...steps, structuredClone(TRANSFORMS[Number(i)])] }));
  add.setAttribute("aria-label", "Add a transform");
  wrap.append(add);
  return wrap;
}

/** A transform's option: a text box per setting (a lookup table as JSON). */
function optionControl(step, onChange) {
  const name = nameOf(step);
  const setting = step[name];
  if (typeof setting !== "object" || setting === null) {
    const box = input(String(setting ?? ""), (v) => onChange({ [name]: v }), { size: 10 });
    box.setAttribute("aria-label", `${name} option`);
    return box;
  }
  if (name === "lookup") {
    const box = input(JSON.stringify(setting.table ?? {}), (v) => {
      try { onChange({ lookup: { ...setting, table: JSON.parse(v) } }); } catch { box.classList.add("invalid"); }
    }, { size: 18 });
    box.setAttribute("aria-label", "lookup table (JSON)");
    return box;
  }
  const span = el("span", undefined, "chip-options");
  for (const [k, v] of Object.entries(setting)) {
    const box = input(String(v), (nv) => onChange({ [name]: { ...setting, [k]: nv } }), { size: 7 });
    box.setAttribute("aria-label", `${name} ${k}`);
    box.title = k;
    span.append(box);
  }
  return span;
}

/** "Only when <path> <equals|in|contains|exists> <value>". */
function conditionControls(rule, set) {
  const when = rule.when;
  const op = when ? OPERATORS.find((o) => o in when) ?? "exists" : "";
  const wrap = el("div", undefined, "mapper-when");
  const path = input(when?.path, (p) => write(p, opBox.value, valueBox.value), { size: 10, placeholder: "path" });
  path.setAttribute("aria-label", "Condition path");
  const opBox = select([{ value: "", label: "always" }, ...OPERATORS], op, (o) => write(path.value, o, valueBox.value));
  opBox.setAttribute("aria-label", "Condition");
  const shown = op === "in" ? (when.in ?? []).join(", ") : op === "exists" ? "" : when?.[op] ?? "";
  const valueBox = input(String(shown), (v) => write(path.value, opBox.value, v), { size: 10, placeholder: "value" });
  valueBox.setAttribute("aria-label", "Condition value");
  valueBox.hidden = !op || op === "exists";
  function write(p, o, v) {
    if (!o) return set({ when: undefined });
    const next = { path: p || when?.path || "" };
    next[o] = o === "in" ? v.split(",").map((s) => s.trim()).filter(Boolean) : o === "exists" ? true : v;
    set({ when: next });
  }
  wrap.append(el("span", "Only when", "mapper-label"), opBox, path, valueBox);
  path.hidden = !op;
  return wrap;
}
