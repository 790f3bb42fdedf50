/* The console's only script: the review queue's keyboard shortcuts, and redaction spans chosen by selecting
   text on a case page. Offsets sent to review are Python string offsets (code points); the browser's
   selections count UTF-16 code units, so every offset is converted here (a character outside the BMP,
   such as 𠮷, is two code units and one code point). */
"use strict";

function codePoints(text) {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/* The code-point offset of a DOM point inside root. A point between the two halves of a surrogate pair
   moves to the character's start (for a start) or past it (for an end), so a span never cuts a character. */
function offsetIn(root, node, offset, isEnd) {
  const range = document.createRange();
  range.setStart(root, 0);
  range.setEnd(node, offset);
  const before = range.toString();
  const last = before.charCodeAt(before.length - 1);
  const split = before.length > 0 && last >= 0xd800 && last <= 0xdbff;
  return codePoints(before) - (split && !isEnd ? 1 : 0);
}

/* The DOM range of code points start..end of root's text (for showing a chosen span). */
function rangeFor(root, start, end) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  let seen = 0, node, startSet = false;
  while ((node = walker.nextNode())) {
    const data = node.data;
    for (let i = 0; i <= data.length; i++) {
      if (!startSet && seen === start) { range.setStart(node, i); startSet = true; }
      if (startSet && seen === end) { range.setEnd(node, i); return range; }
      if (i === data.length) break;
      const c = data.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < data.length) i++;
      seen++;
    }
  }
  return startSet ? range : null;
}

function setUpRedaction() {
  const form = document.getElementById("redact-form");
  const texts = Array.from(document.querySelectorAll(".case-text"));
  if (!texts.length) return;
  for (const root of texts) {  // selectable with the keyboard (a caret), never changed
    for (const type of ["beforeinput", "paste", "drop", "cut"]) root.addEventListener(type, (e) => e.preventDefault());
  }
  if (!form) return;
  const hidden = document.getElementById("spans");
  const list = document.getElementById("span-list");
  const problem = document.getElementById("selection-error");
  const names = Object.fromEntries(texts.map((t) => [t.dataset.field,
    (document.getElementById(t.getAttribute("aria-labelledby")) || {}).textContent || t.dataset.field]));
  let spans = [];
  try { spans = JSON.parse(hidden.value || "[]"); } catch (e) { spans = []; }
  let chosen = null;

  /* The selection as a span of one text, or null when nothing is selected. Kept as it changes, since a
     click on the button may move the focus (and, in some browsers, the selection) before it runs. */
  function selected() {
    const sel = document.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    const r = sel.getRangeAt(0);
    const root = texts.find((t) => t.contains(r.startContainer) && t.contains(r.endContainer));
    if (!root) return {error: "请在同一段文本之内选择"};
    const start = offsetIn(root, r.startContainer, r.startOffset, false);
    const end = offsetIn(root, r.endContainer, r.endOffset, true);
    return end > start ? {field: root.dataset.field, start, end} : null;
  }
  document.addEventListener("selectionchange", () => { chosen = selected() || chosen; });

  function show() {
    hidden.value = JSON.stringify(spans.map(({field, start, end}) => ({field, start, end})));
    list.replaceChildren();
    if (window.CSS && CSS.highlights && window.Highlight) {
      const ranges = spans.map((s) => rangeFor(texts.find((t) => t.dataset.field === s.field), s.start, s.end))
        .filter(Boolean);
      CSS.highlights.set("redaction", new Highlight(...ranges));
    }
    spans.forEach((s, i) => {
      const item = document.createElement("li");
      item.className = "span";
      item.dataset.field = s.field; item.dataset.start = s.start; item.dataset.end = s.end;
      const root = texts.find((t) => t.dataset.field === s.field);
      const range = root && rangeFor(root, s.start, s.end);
      item.append(`${names[s.field] || s.field} 第 ${s.start}–${s.end} 字：「${range ? range.toString() : ""}」 `);
      const remove = document.createElement("button");
      remove.type = "button"; remove.className = "link"; remove.textContent = "移除";
      remove.addEventListener("click", () => { spans.splice(i, 1); show(); });
      item.append(remove);
      list.append(item);
    });
  }

  function add() {
    problem.hidden = true;
    chosen = selected() || chosen;
    if (!chosen || chosen.error) {
      problem.textContent = chosen ? chosen.error : "请先在上面的文本中选择要删去的文字";
      problem.hidden = false;
      return;
    }
    const c = chosen;
    if (spans.some((s) => s.field === c.field && s.start < c.end && c.start < s.end)) {
      problem.textContent = "与已选的范围重叠";
      problem.hidden = false;
      return;
    }
    spans.push({field: c.field, start: c.start, end: c.end});
    spans.sort((a, b) => (a.field === b.field ? a.start - b.start : a.field < b.field ? -1 : 1));
    chosen = null;
    show();
  }

  document.getElementById("add-span").addEventListener("click", add);
  document.addEventListener("keydown", (e) => {
    if (e.altKey && (e.key === "a" || e.key === "A")) { e.preventDefault(); add(); }
  });
  show();
}

function setUpQueue() {
  const table = document.querySelector('[data-shortcuts="queue"]');
  const help = document.getElementById("shortcuts");
  const rows = table ? Array.from(table.querySelectorAll("tbody tr")) : [];
  let at = -1;
  function move(to) {
    if (!rows.length) return;
    if (at >= 0) rows[at].classList.remove("current");
    at = Math.max(0, Math.min(rows.length - 1, to));
    rows[at].classList.add("current");
    rows[at].setAttribute("tabindex", "-1");
    rows[at].focus();
  }
  document.addEventListener("keydown", (e) => {
    const t = e.target;
    if (e.altKey || e.ctrlKey || e.metaKey || (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(t.tagName)))) return;
    if (e.key === "?" && help) { help.hidden = !help.hidden; return; }
    if (!table) return;
    if (e.key === "j" || e.key === "ArrowDown") { e.preventDefault(); move(at + 1); }
    else if (e.key === "k" || e.key === "ArrowUp") { e.preventDefault(); move(at - 1); }
    else if ((e.key === "Enter" || e.key === "o") && at >= 0) { e.preventDefault(); window.location.assign(rows[at].dataset.href); }
    else if (e.key === "r") { window.location.reload(); }
  });
}

document.addEventListener("DOMContentLoaded", () => { setUpQueue(); setUpRedaction(); });
