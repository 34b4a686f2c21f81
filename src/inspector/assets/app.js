// convmem inspector — the page's script. Hand-written, no build step, no dependencies, no
// network access beyond this inspector's own /api. Stored memory is untrusted text: it only
// ever reaches the page through textContent (the el() helper), never as HTML.

const state = {
  info: undefined,
  list: { rows: [], cursor: 0, done: false, shown: 0, prefix: "", scanned: 0, reads: 0, ms: 0 },
  ttls: new Map(),
  timers: [],
  conversation: undefined,
  /** Which view the address shows, and a count of route changes (to drop late answers). */
  view: "list",
  visit: 0,
};

const PAGE_ROWS = 100;

// ---------------------------------------------------------------------------------------------
// Helpers

/** Builds an element; children are nodes or text (strings become text nodes, never HTML). */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** A fetch of this inspector's API; throws an Error with the server's message. */
async function api(path, body) {
  const init =
    body === undefined
      ? {}
      : {
          method: "POST",
          headers: { "content-type": "application/json", "x-convmem-inspector": "1" },
          body: JSON.stringify(body),
        };
  let res;
  try {
    res = await fetch(path, { ...init, credentials: "same-origin" });
  } catch {
    throw new Error("the inspector did not answer: is convmem inspect still running?");
  }
  let json;
  try {
    json = await res.json();
  } catch {
    throw new Error(`the inspector answered ${res.status} without JSON`);
  }
  if (!res.ok) {
    const err = new Error(json?.error?.message ?? `request failed (${res.status})`);
    err.code = json?.error?.code;
    err.status = res.status;
    throw err;
  }
  return json;
}

function showError(err) {
  const text = err instanceof Error ? err.message : String(err);
  document.getElementById("banner-text").textContent = text;
  document.getElementById("banner").hidden = false;
}

function clearError() {
  document.getElementById("banner").hidden = true;
}

const nf = new Intl.NumberFormat("en");

function fmtBytes(n) {
  const units = ["B", "KiB", "MiB", "GiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

function fmtDuration(s) {
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

function fmtTtl(ttl) {
  if (ttl === undefined) return "…";
  if (ttl === null) return "never expires";
  if (ttl === "gone") return "expired";
  return fmtDuration(Math.max(0, ttl));
}

function fmtAgo(ms) {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  return s < 5 ? "just now" : `${fmtDuration(s)} ago`;
}

function fmtTime(ms) {
  return new Date(ms).toISOString().replace("T", " ").replace("Z", " UTC");
}

function pretty(value) {
  return JSON.stringify(value, null, 2);
}

function every(ms, fn) {
  state.timers.push(setInterval(fn, ms));
}

function stopTimers() {
  for (const t of state.timers.splice(0)) clearInterval(t);
}

function conversationHref(id) {
  return `#/c/${encodeURIComponent(id)}`;
}

// ---------------------------------------------------------------------------------------------
// Conversation list

function listNote() {
  const l = state.list;
  const read = `Read ${nf.format(l.scanned)} conversations from the registry in ${l.reads} read${l.reads === 1 ? "" : "s"} (${Math.round(l.ms)} ms).`;
  const order = l.done
    ? "The registry has been read to its end: the order is exact."
    : "Only part of the registry is read: rows are newest first among the conversations read so far; unread ones may be newer. Load more to read on.";
  const filter =
    l.prefix === ""
      ? ""
      : ` Filter: ids starting ${JSON.stringify(l.prefix)} (${nf.format(l.rows.length)} match).`;
  return `${read}${filter} ${order}`;
}

async function loadPage(reset) {
  const l = state.list;
  if (reset) Object.assign(l, { rows: [], cursor: 0, done: false, shown: 0, scanned: 0, reads: 0, ms: 0 });
  const q = new URLSearchParams({ cursor: String(l.cursor), limit: String(PAGE_ROWS), prefix: l.prefix });
  const page = await api(`/api/conversations?${q}`);
  const known = new Set(l.rows.map((r) => r.conversationId));
  for (const row of page.conversations) if (!known.has(row.conversationId)) l.rows.push(row);
  l.rows.sort((a, b) => b.lastActivity - a.lastActivity || (a.conversationId < b.conversationId ? -1 : 1));
  l.cursor = page.cursor ?? 0;
  l.done = page.cursor === null;
  l.scanned += page.scanned;
  l.reads += page.reads;
  l.ms += page.ms;
  l.shown = Math.max(l.shown, Math.min(l.rows.length, PAGE_ROWS));
}

async function loadTtls(ids) {
  const missing = ids.filter((id) => !state.ttls.has(id));
  for (let i = 0; i < missing.length; i += 200) {
    const { ttls } = await api("/api/ttls", { ids: missing.slice(i, i + 200) });
    for (const [id, ttl] of Object.entries(ttls)) state.ttls.set(id, { ttl, at: Date.now() });
  }
}

function ttlNow(id) {
  const t = state.ttls.get(id);
  if (t === undefined) return undefined;
  if (typeof t.ttl !== "number") return t.ttl;
  return t.ttl - Math.floor((Date.now() - t.at) / 1000);
}

function renderList() {
  // A page load that finishes after the user moved on must not take the view back.
  if (state.view !== "list") return;
  const l = state.list;
  const view = document.getElementById("view");
  const input = el("input", {
    id: "id-prefix",
    type: "search",
    placeholder: "filter by id prefix",
    value: l.prefix,
    "aria-label": "filter by id prefix",
  });
  const form = el(
    "form",
    {
      class: "toolbar",
      id: "filter",
      onsubmit: (e) => {
        e.preventDefault();
        l.prefix = input.value;
        refreshList(true);
      },
    },
    input,
    el("button", { type: "submit" }, "Filter"),
    el("button", { type: "button", id: "refresh", onclick: () => refreshList(true) }, "Refresh"),
  );
  const rows = l.rows
    .slice(0, l.shown)
    .map((r) =>
      el(
        "tr",
        { "data-id": r.conversationId },
        el("td", { class: "id" }, el("a", { href: conversationHref(r.conversationId) }, r.conversationId)),
        el("td", { class: "num" }, nf.format(r.totalFields)),
        el("td", { class: "num", title: `${nf.format(r.totalSizeBytes)} bytes` }, fmtBytes(r.totalSizeBytes)),
        el("td", { class: "num ttl", "data-ttl-of": r.conversationId }, fmtTtl(ttlNow(r.conversationId))),
        el("td", { title: fmtTime(r.lastActivity) }, fmtAgo(r.lastActivity)),
      ),
    );
  const table =
    l.rows.length === 0
      ? el(
          "p",
          { class: "empty", id: "no-conversations" },
          l.prefix === "" ? "No conversations." : "No conversation matches.",
        )
      : el(
          "table",
          { id: "conversations" },
          el(
            "thead",
            {},
            el(
              "tr",
              {},
              el("th", {}, "Conversation"),
              el("th", { class: "num" }, "Fields"),
              el("th", { class: "num" }, "Bytes"),
              el("th", { class: "num" }, "TTL"),
              el("th", {}, "Last activity"),
            ),
          ),
          el("tbody", {}, rows),
        );
  const more = el(
    "div",
    { class: "toolbar" },
    l.shown < l.rows.length &&
      el(
        "button",
        {
          type: "button",
          id: "show-more",
          onclick: async () => {
            l.shown = Math.min(l.rows.length, l.shown + PAGE_ROWS);
            renderList();
            await withErrors(() => loadTtls(l.rows.slice(0, l.shown).map((r) => r.conversationId)));
            renderList();
          },
        },
        `Show ${Math.min(PAGE_ROWS, l.rows.length - l.shown)} more of ${nf.format(l.rows.length)} read`,
      ),
    !l.done &&
      el(
        "button",
        {
          type: "button",
          id: "load-more",
          onclick: () => refreshList(false),
        },
        "Load more from the registry",
      ),
  );
  view.replaceChildren(
    el("h2", {}, "Conversations"),
    form,
    el("p", { class: "note", id: "list-note" }, listNote()),
    table,
    more,
  );
}

async function withErrors(fn) {
  try {
    await fn();
    return true;
  } catch (err) {
    showError(err);
    return false;
  }
}

async function refreshList(reset) {
  const ok = await withErrors(async () => {
    await loadPage(reset);
    if (reset) state.ttls.clear();
    renderList();
    await loadTtls(state.list.rows.slice(0, state.list.shown).map((r) => r.conversationId));
  });
  if (ok) clearError();
  renderList();
}

function showList() {
  if (state.list.reads === 0) refreshList(true);
  else renderList();
  every(1000, () => {
    for (const cell of document.querySelectorAll("[data-ttl-of]")) {
      cell.textContent = fmtTtl(ttlNow(cell.getAttribute("data-ttl-of")));
    }
  });
}

// ---------------------------------------------------------------------------------------------
// One conversation

/**
 * Renderers of list fields that the framework adapters write, by field name. A field not named
 * here is shown as pretty JSON only (under Fields, as every field is). Hook for graph
 * checkpoints: once the LangGraph saver keeps its checkpoints in a conversation field, add a
 * renderer under that field's name here (see docs/inspector.md).
 */
const RENDERERS = {
  agent_items: { title: "Agent session items", render: renderAgentItems },
  ui_messages: { title: "Chat UI messages", render: renderUiMessages },
  "langgraph:checkpoints": { title: "LangGraph checkpoints", render: renderCheckpoints, map: true },
};

/** A LangGraph serde value as convmem/langgraph stores it: JSON text in `s` is parsed. */
function serdeJson(stored) {
  if (stored === null || typeof stored !== "object" || typeof stored.s !== "string") return undefined;
  try {
    return JSON.parse(stored.s);
  } catch {
    return undefined;
  }
}

/** LangGraph checkpoints (map `["ns","id"]` -> record): newest first, step, source, namespace. */
function renderCheckpoints(records) {
  const rows = Object.entries(records).map(([key, record]) => {
    let ns = "";
    let id = key;
    try {
      const parts = JSON.parse(key);
      if (Array.isArray(parts)) [ns, id] = parts;
    } catch {}
    const checkpoint = serdeJson(record?.checkpoint);
    const metadata = serdeJson(record?.metadata);
    return {
      ns,
      id,
      ts: checkpoint?.ts ?? "",
      step: metadata?.step,
      source: metadata?.source,
      checkpoint,
      metadata,
    };
  });
  rows.sort((a, b) => (a.ts < b.ts ? 1 : a.ts > b.ts ? -1 : 0));
  return el(
    "table",
    { class: "checkpoints", id: "langgraph-checkpoints" },
    el(
      "tr",
      {},
      ["time", "checkpoint", "step", "source", "namespace", ""].map((h) => el("th", {}, h)),
    ),
    rows.map((r) =>
      el(
        "tr",
        { "data-id": r.id },
        el("td", {}, r.ts ? fmtTime(Date.parse(r.ts)) : "-"),
        el("td", { class: "dim" }, String(r.id)),
        el("td", {}, r.step === undefined ? "?" : String(r.step)),
        el("td", {}, r.source ?? "?"),
        el("td", {}, r.ns === "" ? "(root)" : String(r.ns)),
        el("td", {}, rawDetails("checkpoint", { checkpoint: r.checkpoint, metadata: r.metadata })),
      ),
    ),
  );
}

function textOf(content) {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((p) => (typeof p === "string" ? p : (p?.text ?? p?.refusal ?? (p?.type ? `[${p.type}]` : ""))))
      .filter((t) => t !== "")
      .join("\n");
  }
  if (content && typeof content === "object" && typeof content.text === "string") return content.text;
  return "";
}

function rawDetails(label, value) {
  return el("details", { class: "raw" }, el("summary", {}, label), el("pre", {}, pretty(value)));
}

/** OpenAI Agents session items: messages by role, tool calls and their results, the rest by type. */
function renderAgentItems(items) {
  return el(
    "ol",
    { class: "chat", id: "agent-items" },
    items.map((item) => {
      const type = item?.type ?? "message";
      const who = item?.role ?? type;
      let text = textOf(item?.content);
      if (type === "function_call") text = `${item.name ?? "?"}(${item.arguments ?? ""})`;
      else if (type === "function_call_result") text = textOf(item.output) || pretty(item.output);
      return el(
        "li",
        { class: `msg role-${String(who).replace(/[^a-z_-]/gi, "")}` },
        el(
          "div",
          { class: "meta" },
          el("span", { class: "role" }, who),
          type !== "message" && el("span", { class: "chip" }, type),
        ),
        text !== "" && el("div", { class: "content" }, text),
        rawDetails("item", item),
      );
    }),
  );
}

/** AI SDK UI messages: role, then each part (text shown; other part types as a chip + JSON). */
function renderUiMessages(messages) {
  return el(
    "ol",
    { class: "chat", id: "ui-messages" },
    messages.map((m) =>
      el(
        "li",
        { class: `msg role-${String(m?.role ?? "").replace(/[^a-z_-]/gi, "")}`, "data-id": m?.id },
        el(
          "div",
          { class: "meta" },
          el("span", { class: "role" }, m?.role ?? "?"),
          el("span", { class: "dim" }, m?.id ?? ""),
        ),
        (Array.isArray(m?.parts) ? m.parts : []).map((p) =>
          p?.type === "text" || p?.type === "reasoning"
            ? el("div", { class: p.type === "text" ? "content" : "content reasoning" }, p.text ?? "")
            : el(
                "div",
                { class: "part" },
                el("span", { class: "chip" }, p?.type ?? "part"),
                rawDetails("part", p),
              ),
        ),
        m?.metadata !== undefined && rawDetails("metadata", m.metadata),
      ),
    ),
  );
}

function messageItem(m, isNew) {
  const metadata = m?.metadata && Object.keys(m.metadata).length > 0 ? m.metadata : undefined;
  return el(
    "li",
    {
      class: `msg role-${String(m?.role ?? "").replace(/[^a-z_-]/gi, "")}${isNew ? " new" : ""}`,
      "data-id": m?.id,
    },
    el(
      "div",
      { class: "meta" },
      el("span", { class: "role" }, m?.role ?? "?"),
      typeof m?.timestamp === "number" &&
        el("time", { datetime: new Date(m.timestamp).toISOString() }, fmtTime(m.timestamp)),
    ),
    el("div", { class: "content" }, typeof m?.content === "string" ? m.content : pretty(m?.content)),
    metadata && rawDetails("metadata", metadata),
    rawDetails("message", m),
  );
}

/** Updates the chat in place: new messages appended (marked new), removed ones dropped. */
function updateChat(list, messages, first) {
  const byId = new Map([...list.children].map((li) => [li.getAttribute("data-id"), li]));
  const wanted = new Set();
  let added = 0;
  for (const m of messages) {
    const key = String(m?.id);
    wanted.add(key);
    const old = byId.get(key);
    const json = JSON.stringify(m);
    if (old === undefined) {
      const li = messageItem(m, !first);
      li.dataset.json = json;
      list.append(li);
      if (!first) added++;
    } else if (old.dataset.json !== json) {
      const li = messageItem(m, false);
      li.dataset.json = json;
      old.replaceWith(li);
    }
  }
  for (const [key, li] of byId) if (!wanted.has(key)) li.remove();
  return added;
}

function writeButton(label, props, action) {
  const allowed = state.info?.allowWrites === true;
  return el(
    "button",
    {
      type: "button",
      ...props,
      disabled: !allowed,
      title: allowed ? undefined : "read-only: start convmem inspect with --allow-writes",
      onclick: async () => {
        if (await withErrors(action)) clearError();
      },
    },
    label,
  );
}

function renderConversationShell(id) {
  const ttlInput = el("input", {
    id: "ttl-input",
    placeholder: "seconds, or none",
    size: 14,
    "aria-label": "new TTL",
  });
  const c = state.conversation;
  const view = document.getElementById("view");
  view.replaceChildren(
    el("p", {}, el("a", { href: "#/" }, "← conversations")),
    el("h2", { id: "conversation-id" }, id),
    el(
      "dl",
      { class: "facts" },
      el("dt", {}, "TTL"),
      el("dd", { id: "ttl" }, "…"),
      el("dt", {}, "Fields"),
      el("dd", { id: "field-count" }, "…"),
      el("dt", {}, "Size"),
      el("dd", { id: "size" }, "…"),
      el("dt", {}, "Updated"),
      el("dd", { id: "updated" }, "…"),
    ),
    el(
      "div",
      { class: "toolbar" },
      ttlInput,
      writeButton("Set TTL", { id: "set-ttl" }, async () => {
        const text = ttlInput.value.trim().toLowerCase();
        const ttl = text === "none" || text === "never" ? null : Number(text);
        await api("/api/conversation/ttl", { id, ttl });
        await refreshConversation(true);
      }),
      writeButton("Delete conversation", { id: "delete-conversation", class: "danger" }, async () => {
        if (!confirm(`Delete conversation ${id} and all its fields?`)) return;
        await api("/api/conversation/delete", { id });
        state.list.reads = 0;
        location.hash = "#/";
      }),
      state.info?.allowWrites !== true && el("span", { class: "dim" }, "read-only"),
    ),
    el(
      "section",
      { id: "history-section" },
      el("h3", { id: "history-title" }, "Messages"),
      el("ol", { class: "chat", id: "history" }),
    ),
    el("div", { id: "adapters" }),
    el("section", {}, el("h3", {}, "Fields"), el("div", { id: "fields" })),
  );
  c.chat = document.getElementById("history");
}

function renderFields(conv) {
  const id = conv.conversationId;
  const box = document.getElementById("fields");
  const open = new Set([...box.querySelectorAll("details[open]")].map((d) => d.getAttribute("data-field")));
  box.replaceChildren(
    ...conv.fields.map(([name, value]) =>
      el(
        "article",
        { class: "field", "data-field": name },
        el(
          "header",
          {},
          el("code", { class: "name" }, name),
          el(
            "span",
            { class: "dim" },
            `${fmtBytes(conv.sizes[name] ?? 0)}${Array.isArray(value) ? ` · list of ${value.length}` : ""}`,
          ),
          writeButton("Delete field", { class: "danger small", "data-delete-field": name }, async () => {
            if (!confirm(`Delete field ${name}?`)) return;
            await api("/api/field/delete", { id, field: name });
            await refreshConversation(true);
          }),
        ),
        el(
          "details",
          { "data-field": name, open: open.has(name) || pretty(value).length < 400 },
          el("summary", {}, "value"),
          el("pre", {}, pretty(value)),
        ),
      ),
    ),
  );
}

function renderAdapters(conv) {
  const box = document.getElementById("adapters");
  const sections = [];
  for (const [name, value] of conv.fields) {
    const r = RENDERERS[name];
    if (r === undefined) continue;
    const isMap = value !== null && typeof value === "object" && !Array.isArray(value);
    if (r.map ? !isMap : !Array.isArray(value)) continue;
    const count = r.map ? Object.keys(value).length : value.length;
    sections.push(
      el(
        "section",
        { "data-adapter": name },
        el("h3", {}, `${r.title} (${name}, ${count})`),
        r.render(value),
      ),
    );
  }
  box.replaceChildren(...sections);
}

function applySummary(s) {
  const c = state.conversation;
  c.ttl = { ttl: s.ttl, at: Date.now() };
  document.getElementById("field-count").textContent = nf.format(s.totalFields);
  document.getElementById("size").textContent =
    `${fmtBytes(s.totalSizeBytes)} (${nf.format(s.totalSizeBytes)} bytes)`;
  document.getElementById("updated").textContent =
    `${new Date().toLocaleTimeString()} (polling every ${state.info.pollMs} ms)`;
  tickTtl();
}

function tickTtl() {
  const c = state.conversation;
  const node = document.getElementById("ttl");
  if (c?.ttl === undefined || node === null) return;
  const { ttl, at } = c.ttl;
  node.textContent = ttl === null ? "never expires" : fmtTtl(ttl - Math.floor((Date.now() - at) / 1000));
}

async function refreshConversation(full) {
  const c = state.conversation;
  const id = c.id;
  const q = new URLSearchParams({ id });
  let summary;
  try {
    summary = await api(`/api/conversation/summary?${q}`);
  } catch (err) {
    if (err.status === 404) {
      stopTimers();
      document.getElementById("ttl").textContent = "gone";
    }
    throw err;
  }
  if (state.conversation !== c) return;
  applySummary(summary);
  const signature = JSON.stringify([summary.totalFields, summary.sizes]);
  if (!full && signature === c.signature) return;
  const conv = await api(`/api/conversation?${q}`);
  if (state.conversation !== c) return;
  c.signature = JSON.stringify([conv.totalFields, conv.sizes]);
  applySummary(conv);
  const messages = conv.fields.find(([name]) => name === "messages")?.[1];
  const list = Array.isArray(messages) ? messages : [];
  const added = updateChat(c.chat, list, c.first);
  c.first = false;
  c.newMessages += added;
  document.getElementById("history-title").textContent =
    `Messages (${list.length})${c.newMessages > 0 ? ` — ${c.newMessages} new since opened` : ""}`;
  document.getElementById("history-section").hidden = list.length === 0 && !Array.isArray(messages);
  if (added > 0) c.chat.lastElementChild?.scrollIntoView({ block: "nearest" });
  renderAdapters(conv);
  renderFields(conv);
}

function showConversation(id) {
  state.conversation = {
    id,
    signature: undefined,
    first: true,
    newMessages: 0,
    chat: undefined,
    ttl: undefined,
  };
  renderConversationShell(id);
  const poll = async (full) => {
    if (await withErrors(() => refreshConversation(full))) clearError();
  };
  poll(true);
  every(state.info.pollMs, () => poll(false));
  every(1000, tickTtl);
}

// ---------------------------------------------------------------------------------------------
// Stats

/** A bar chart as inline SVG: one bar per bucket, its count above it. */
function barChart(buckets) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = (tag, attrs, text) => {
    const node = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const width = 720;
  const height = 260;
  const pad = { top: 24, bottom: 40, left: 16, right: 16 };
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const slot = (width - pad.left - pad.right) / buckets.length;
  const root = svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    id: "activity-chart",
    "aria-label": "conversations by last activity",
  });
  buckets.forEach((b, i) => {
    const h = ((height - pad.top - pad.bottom) * b.count) / max;
    const x = pad.left + i * slot + slot * 0.15;
    const y = height - pad.bottom - h;
    root.append(
      svg("rect", {
        x,
        y,
        width: slot * 0.7,
        height: Math.max(h, b.count > 0 ? 1 : 0),
        class: "bar",
        "data-label": b.label,
      }),
    );
    root.append(
      svg(
        "text",
        { x: x + slot * 0.35, y: y - 6, "text-anchor": "middle", class: "count" },
        nf.format(b.count),
      ),
    );
    root.append(
      svg(
        "text",
        { x: x + slot * 0.35, y: height - pad.bottom + 18, "text-anchor": "middle", class: "label" },
        b.label,
      ),
    );
  });
  root.append(
    svg("line", {
      x1: pad.left,
      x2: width - pad.right,
      y1: height - pad.bottom,
      y2: height - pad.bottom,
      class: "axis",
    }),
  );
  return root;
}

async function showStats(fresh) {
  const view = document.getElementById("view");
  const visit = state.visit;
  view.replaceChildren(el("h2", {}, "Stats"), el("p", { class: "note" }, "Walking the whole registry…"));
  const ok = await withErrors(async () => {
    const [s, activity] = await Promise.all([
      api(`/api/stats${fresh ? "?fresh=1" : ""}`),
      api("/api/activity"),
    ]);
    if (state.visit !== visit) return;
    view.replaceChildren(
      el("h2", {}, "Stats"),
      el(
        "div",
        { class: "cards" },
        el(
          "div",
          { class: "card" },
          el("span", { class: "big", id: "stat-conversations" }, nf.format(s.totalConversations)),
          "conversations",
        ),
        el(
          "div",
          { class: "card" },
          el("span", { class: "big", id: "stat-fields" }, nf.format(s.totalFields)),
          "fields",
        ),
        el(
          "div",
          { class: "card" },
          el("span", { class: "big", id: "stat-bytes" }, fmtBytes(s.totalSizeBytes)),
          "stored",
        ),
      ),
      el("h3", {}, "Conversations by last activity"),
      barChart(s.byLastActivity),
      el(
        "p",
        { class: "note" },
        `One walk of the whole registry: ${nf.format(s.totalConversations)} conversations in ${Math.round(s.ms)} ms, at ${new Date(s.computedAt).toLocaleTimeString()} (reused for 10 s). `,
        s.newest !== null && `Newest activity ${fmtAgo(s.newest)}, oldest ${fmtAgo(s.oldest)}. `,
        el("button", { type: "button", id: "recompute", onclick: () => showStats(true) }, "Recompute"),
      ),
      el("h3", {}, "This inspector's own operations"),
      el(
        "p",
        { class: "note" },
        "The last 15 calls this inspector made to the public API (reported by the manager's operation events), with their durations.",
      ),
      el(
        "table",
        { id: "activity" },
        el(
          "thead",
          {},
          el(
            "tr",
            {},
            el("th", {}, "At"),
            el("th", {}, "Operation"),
            el("th", {}, "Conversation"),
            el("th", { class: "num" }, "ms"),
            el("th", {}, "Outcome"),
          ),
        ),
        el(
          "tbody",
          {},
          activity.operations
            .slice(-15)
            .reverse()
            .map((o) =>
              el(
                "tr",
                {},
                el("td", {}, new Date(o.at).toLocaleTimeString()),
                el("td", {}, o.operation),
                el("td", { class: "id" }, o.conversationId ?? "—"),
                el("td", { class: "num" }, o.durationMs.toFixed(1)),
                el("td", {}, o.code ?? o.outcome),
              ),
            ),
        ),
      ),
    );
  });
  if (ok) clearError();
}

// ---------------------------------------------------------------------------------------------
// Routing

function route() {
  stopTimers();
  state.conversation = undefined;
  state.visit++;
  const hash = location.hash || "#/";
  state.view = hash.startsWith("#/c/") ? "conversation" : hash === "#/stats" ? "stats" : "list";
  document.getElementById("nav-stats").classList.toggle("active", hash === "#/stats");
  document.getElementById("nav-list").classList.toggle("active", hash === "#/" || hash === "");
  if (hash.startsWith("#/c/")) {
    let id;
    try {
      id = decodeURIComponent(hash.slice(4));
    } catch {
      showError("that conversation address is malformed");
      return;
    }
    showConversation(id);
  } else if (hash === "#/stats") showStats(false);
  else showList();
}

async function start() {
  document.getElementById("banner-close").addEventListener("click", clearError);
  try {
    state.info = await api("/api/info");
  } catch (err) {
    showError(err);
    return;
  }
  const i = state.info;
  document.getElementById("where").textContent = `${i.redis} · prefix ${i.keyPrefix} · convmem ${i.version}`;
  const mode = document.getElementById("mode");
  mode.textContent = i.allowWrites ? "writes enabled" : "read-only";
  mode.classList.add(i.allowWrites ? "writes" : "readonly");
  window.addEventListener("hashchange", route);
  route();
}

start();
