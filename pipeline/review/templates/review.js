(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("review-data").textContent);
  var pairs = data.pairs;
  var threshold = data.threshold;
  var CHUNK = 200; // rows added to the page at a time, as the reviewer scrolls or moves on
  var main = document.getElementById("pairs");
  var empty = document.getElementById("empty");
  var shown = document.getElementById("shown");
  var notice = document.getElementById("notice");
  var savedLabel = document.getElementById("saved");
  var header = document.querySelector("header");

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  var noticeTimer = 0;
  function say(text) {
    notice.textContent = text;
    notice.hidden = false;
    window.clearTimeout(noticeTimer);
    noticeTimer = window.setTimeout(function () { notice.hidden = true; }, 8000);
  }

  // ------------------------------------------------------------ decisions, kept in this browser under the run's checksum

  var DECISIONS = ["accept", "reject", "edit"];
  var STORE_KEY = "pipeline-review:" + data.checksum;
  var indexById = new Map();
  for (var n = 0; n < pairs.length; n++) indexById.set(pairs[n].id, n);
  var decisions = new Map(); // pair id -> {d: "accept" | "reject" | "edit", e: corrected target (edit only)}

  function openStorage() {
    try {
      var store = window.localStorage;
      store.setItem(STORE_KEY + ":probe", "1");
      store.removeItem(STORE_KEY + ":probe");
      return store;
    } catch (err) {
      return null;
    }
  }
  var storage = openStorage();

  function hasText(text) { return /\S/.test(text); }

  function loadDecisions() {
    if (!storage) return 0;
    var saved = null;
    try { saved = JSON.parse(storage.getItem(STORE_KEY) || "null"); } catch (err) { saved = null; }
    var list = saved && saved.checksum === data.checksum ? saved.decisions : null;
    if (!list || typeof list !== "object") return 0;
    Object.keys(list).forEach(function (id) {
      var value = list[id];
      if (!indexById.has(id) || !value || DECISIONS.indexOf(value.d) < 0) return;
      if (value.d === "edit") {
        if (typeof value.e === "string" && hasText(value.e)) decisions.set(id, { d: "edit", e: value.e });
      } else if (value.d === "reject" || hasText(pairs[indexById.get(id)].tt)) {
        decisions.set(id, { d: value.d });
      }
    });
    return decisions.size;
  }

  function saveDecisions() {
    if (!storage) return;
    var out = Object.create(null);
    decisions.forEach(function (value, id) { out[id] = value; });
    try {
      storage.setItem(STORE_KEY, JSON.stringify({ version: 1, checksum: data.checksum, decisions: out }));
      savedLabel.textContent = "Decisions saved in this browser.";
      savedLabel.className = "saved ok";
    } catch (err) {
      savedLabel.textContent = "Could not save in this browser (" + err.name + "): download the CSV to keep your decisions.";
      savedLabel.className = "saved failed";
    }
  }

  // ------------------------------------------------------------ pieces of a row

  // Text with glossary marks: [start, end, class, title] in UTF-16 offsets, sorted, non-overlapping.
  function marked(text, marks, cls) {
    var span = el("span", cls || "txt");
    var pos = 0;
    for (var i = 0; i < marks.length; i++) {
      var m = marks[i];
      if (m[0] < pos || m[1] > text.length) continue;
      if (m[0] > pos) span.appendChild(document.createTextNode(text.slice(pos, m[0])));
      var mark = el("mark", m[2], text.slice(m[0], m[1]));
      mark.title = m[3];
      span.appendChild(mark);
      pos = m[1];
    }
    if (pos < text.length) span.appendChild(document.createTextNode(text.slice(pos)));
    return span;
  }

  function docLabel(docId) {
    var info = data.docs[docId];
    var label = docId;
    if (info && info.title) label += " \u201c" + info.title + "\u201d";
    return label;
  }

  function groupLabel(p) {
    return p.kind + " \u00b7 " + p.sl + " \u2192 " + p.tl + " \u00b7 " + (p.sd === p.td
      ? docLabel(p.sd) + " and its translation"
      : docLabel(p.sd) + "  \u21c4  " + docLabel(p.td));
  }

  function side(which, lang, docId, ids, text, marks, untranslated) {
    var cell = el("div", "side " + which + (untranslated ? " untranslated" : ""));
    var tag = el("span", "lang", lang + " " + JSON.stringify(ids));
    tag.title = docLabel(docId);
    cell.appendChild(tag);
    if (text) {
      cell.appendChild(marked(text, marks));
    } else {
      cell.appendChild(el("span", "txt none", untranslated ? "(not translated)" : "(empty)"));
    }
    return cell;
  }

  function hue(score) {
    var s = Math.max(0, Math.min(1, score));
    return String(Math.round(s * 120));
  }

  function value(cls, label, number, digits, title) {
    var chip = el("span", "val " + cls, label + " " + number.toFixed(digits));
    chip.title = title;
    return chip;
  }

  var ACTIONS = [
    ["accept", "Accept", "a"],
    ["reject", "Reject", "r"],
    ["edit", "Edit", "e"],
    ["undo", "Undo", "u"]
  ];

  function buildRow(i) {
    var p = pairs[i];
    var below = p.score < threshold;
    var row = el("div", "pair" + (below ? " below" : ""));
    row.tabIndex = -1;
    row.dataset.pairId = p.id;
    row.dataset.kind = p.kind;
    row.dataset.index = String(i);
    row.style.setProperty("--hue", hue(p.score));
    row.appendChild(el("div", "pdoc", groupLabel(p)));
    var meta = el("div", "pmeta");
    meta.appendChild(el("span", "pid", p.id));
    var score = el("span", "score", p.score.toFixed(3));
    score.title = below ? "score below the review threshold " + threshold : "score (similarity of the two sides)";
    meta.appendChild(score);
    if (p.q !== null) {
      var q = value("q", "quality", p.q, 2, "estimated translation quality, 0 to 1 (higher is better)");
      q.style.setProperty("--hue", hue(p.q));
      meta.appendChild(q);
    }
    if (p.c !== null) meta.appendChild(value("c", "MT conf.", p.c, 2, "the model's confidence: length-normalised log-probability (higher is surer)"));
    if (p.m !== null) meta.appendChild(value("m", "margin", p.m, 3, "ratio margin against both sentences' nearest neighbours (higher is surer)"));
    for (var f = 0; f < p.flags.length; f++) {
      var chip = el("span", "flag flag-" + p.flags[f], p.flags[f]);
      chip.title = data.flag_labels[p.flags[f]] || p.flags[f];
      meta.appendChild(chip);
    }
    meta.appendChild(el("span", "dec"));
    row.appendChild(meta);
    var untranslated = p.flags.indexOf("untranslated") >= 0 && p.kind === "translation";
    row.appendChild(side("src", p.sl, p.sd, p.si, p.st, p.sh, false));
    var target = side("tgt", p.tl, p.td, p.ti, p.tt, p.th, untranslated);
    target.appendChild(el("span", "txt edited"));
    row.appendChild(target);
    var actions = el("div", "actions");
    for (var a = 0; a < ACTIONS.length; a++) {
      var button = el("button", "act act-" + ACTIONS[a][0], ACTIONS[a][1]);
      button.type = "button";
      button.dataset.act = ACTIONS[a][0];
      button.title = ACTIONS[a][1] + " (" + ACTIONS[a][2] + ")";
      actions.appendChild(button);
    }
    row.appendChild(actions);
    paint(row, p);
    return row;
  }

  var DECISION_LABELS = { accept: "accepted", reject: "rejected", edit: "edited" };

  function paint(row, p) {
    var dec = decisions.get(p.id);
    var d = dec ? dec.d : "";
    row.classList.toggle("d-accept", d === "accept");
    row.classList.toggle("d-reject", d === "reject");
    row.classList.toggle("d-edit", d === "edit");
    row.dataset.decision = d;
    row.querySelector(".dec").textContent = d ? DECISION_LABELS[d] : "";
    row.querySelector(".txt.edited").textContent = d === "edit" ? dec.e : "";
    var buttons = row.querySelectorAll(".act");
    for (var b = 0; b < buttons.length; b++) {
      var act = buttons[b].dataset.act;
      if (act === "undo") buttons[b].hidden = !d;
      else buttons[b].setAttribute("aria-pressed", String(act === d));
    }
  }

  // ------------------------------------------------------------ order, filters and incremental rendering

  var groups = [];
  var groupIndex = new Map();
  var groupOf = new Int32Array(pairs.length);
  for (var gi = 0; gi < pairs.length; gi++) {
    var gp = pairs[gi];
    var key = gp.kind + "\u0000" + gp.sd + "\u0000" + gp.td;
    if (!groupIndex.has(key)) {
      groupIndex.set(key, groups.length);
      groups.push({ first: gi, total: 0, shown: 0 });
    }
    groupOf[gi] = groupIndex.get(key);
    groups[groupOf[gi]].total++;
  }
  var byDocument = [];
  for (var di = 0; di < pairs.length; di++) byDocument.push(di);
  byDocument.sort(function (a, b) { return groupOf[a] - groupOf[b] || a - b; });
  var orders = { "": byDocument };

  // Lowest first, pairs without the value last; ties keep the document order (the sort is stable).
  function ordered(field) {
    if (!orders[field]) {
      var known = byDocument.filter(function (i) { return pairs[i][field] !== null && pairs[i][field] !== undefined; });
      var unknown = byDocument.filter(function (i) { return pairs[i][field] === null || pairs[i][field] === undefined; });
      known.sort(function (a, b) { return pairs[a][field] - pairs[b][field]; });
      orders[field] = known.concat(unknown);
    }
    return orders[field];
  }

  var rowCache = new Array(pairs.length);
  var visible = [];
  var positionOf = new Int32Array(pairs.length).fill(-1);
  var rendered = 0;
  var lastGroup = -1;
  var flat = false;
  var selected = -1; // pair index of the current pair
  var more = el("button", "more", "Show more pairs");
  more.type = "button";

  function rowOf(i) {
    if (!rowCache[i]) rowCache[i] = buildRow(i);
    return rowCache[i];
  }

  function groupHead(g) {
    var grp = groups[g];
    var h2 = el("h2", "ghead", groupLabel(pairs[grp.first]));
    h2.appendChild(el("span", "sub gcount", "  (" + grp.shown + " of " + grp.total + ")"));
    return h2;
  }

  function renderMore() {
    var end = Math.min(visible.length, rendered + CHUNK);
    var frag = document.createDocumentFragment();
    for (var k = rendered; k < end; k++) {
      var i = visible[k];
      if (!flat && groupOf[i] !== lastGroup) {
        lastGroup = groupOf[i];
        frag.appendChild(groupHead(lastGroup));
      }
      frag.appendChild(rowOf(i));
    }
    rendered = end;
    main.insertBefore(frag, more);
    more.hidden = rendered >= visible.length;
    more.textContent = "Show more pairs (" + (visible.length - rendered) + " not shown yet)";
  }

  function ensureRendered(position) {
    while (rendered <= position && rendered < visible.length) renderMore();
  }

  var observer = "IntersectionObserver" in window ? new IntersectionObserver(function (entries) {
    if (!entries.some(function (entry) { return entry.isIntersecting; }) || rendered >= visible.length) return;
    renderMore();
    observer.unobserve(more); // observing again reports at once whether more is still in view
    observer.observe(more);
  }, { rootMargin: "1500px 0px" }) : null;

  var form = document.getElementById("filters");
  var inputs = {
    kind: document.getElementById("f-kind"),
    lang: document.getElementById("f-lang"),
    min: document.getElementById("f-min"),
    max: document.getElementById("f-max"),
    below: document.getElementById("f-below"),
    flag: document.getElementById("f-flag"),
    decision: document.getElementById("f-decision"),
    sort: document.getElementById("f-sort"),
    text: document.getElementById("f-text")
  };
  var haystacks = null;

  function number(input, fallback) {
    var v = parseFloat(input.value);
    return isNaN(v) ? fallback : v;
  }

  function decisionMatches(wanted, id) {
    if (!wanted) return true;
    var dec = decisions.get(id);
    if (wanted === "undecided") return !dec;
    if (wanted === "decided") return !!dec;
    return !!dec && dec.d === wanted;
  }

  function apply() {
    var started = performance.now();
    closeEditor(false);
    var kind = inputs.kind.value;
    var lang = inputs.lang.value;
    var min = number(inputs.min, -Infinity);
    var max = number(inputs.max, Infinity);
    var belowOnly = inputs.below.checked;
    var flag = inputs.flag.value;
    var decision = inputs.decision.value;
    var text = inputs.text.value.trim().toLowerCase();
    if (text && !haystacks) {
      haystacks = pairs.map(function (q) { return (q.st + "\n" + q.tt + "\n" + q.id).toLowerCase(); });
    }
    flat = inputs.sort.value !== "";
    main.classList.toggle("flat", flat);
    var base = ordered(inputs.sort.value);
    for (var g = 0; g < groups.length; g++) groups[g].shown = 0;
    positionOf.fill(-1);
    visible = [];
    for (var k = 0; k < base.length; k++) {
      var idx = base[k];
      var q = pairs[idx];
      var ok = (!kind || q.kind === kind)
        && (!lang || q.sl + "\u2192" + q.tl === lang)
        && q.score >= min - 1e-9 && q.score <= max + 1e-9
        && (!belowOnly || q.score < threshold)
        && (!flag || (flag === "*" ? q.flags.length > 0 : q.flags.indexOf(flag) >= 0))
        && decisionMatches(decision, q.id)
        && (!text || haystacks[idx].indexOf(text) >= 0);
      if (ok) {
        positionOf[idx] = visible.length;
        visible.push(idx);
        groups[groupOf[idx]].shown++;
      }
    }
    main.textContent = "";
    main.appendChild(empty);
    main.appendChild(more);
    rendered = 0;
    lastGroup = -1;
    renderMore();
    if (observer) { observer.unobserve(more); observer.observe(more); }
    shown.textContent = String(visible.length);
    empty.textContent = pairs.length ? "No pair matches the filters." : "No pairs to review.";
    empty.hidden = visible.length > 0;
    if (selected >= 0) {
      var row = rowCache[selected];
      if (positionOf[selected] < 0) {
        if (row) row.classList.remove("current");
        selected = -1;
      }
    }
    document.body.dataset.filterMs = (performance.now() - started).toFixed(1);
  }

  var pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () { pending = false; apply(); });
  }
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
  more.addEventListener("click", function () { renderMore(); });

  // ------------------------------------------------------------ the current pair, decisions, the editor

  function scrollToRow(row) {
    var top = header.getBoundingClientRect().bottom;
    var rect = row.getBoundingClientRect();
    if (rect.top < top + 4) {
      window.scrollBy(0, rect.top - top - 8);
    } else if (rect.bottom > window.innerHeight - 4) {
      window.scrollBy(0, Math.min(rect.bottom - window.innerHeight + 8, rect.top - top - 8));
    }
  }

  function select(position, scroll) {
    if (position < 0 || position >= visible.length) return false;
    ensureRendered(position);
    if (selected >= 0 && rowCache[selected]) {
      rowCache[selected].classList.remove("current");
      rowCache[selected].removeAttribute("aria-current");
    }
    selected = visible[position];
    var row = rowOf(selected);
    row.classList.add("current");
    row.setAttribute("aria-current", "true");
    if (scroll) {
      scrollToRow(row);
      if (document.activeElement !== row && !(editing && row.contains(document.activeElement))) row.focus({ preventScroll: true });
    }
    return true;
  }

  function move(step) {
    var position = selected >= 0 ? positionOf[selected] : -1;
    if (position < 0) return select(step > 0 ? 0 : visible.length - 1, true);
    if (!select(position + step, true)) say(step > 0 ? "That was the last pair shown." : "This is the first pair shown.");
    return true;
  }

  function decide(i, d, text) {
    var p = pairs[i];
    if (d === "accept" && !hasText(p.tt)) {
      say("Pair " + p.id + " has no translation to accept: edit it (e) or reject it (r).");
      return false;
    }
    if (!d) decisions.delete(p.id);
    else if (d === "edit") decisions.set(p.id, { d: "edit", e: text });
    else decisions.set(p.id, { d: d });
    saveDecisions();
    if (rowCache[i]) paint(rowCache[i], p);
    progress();
    return true;
  }

  var editing = null; // {i, box, area, note}

  function closeEditor(refocus) {
    if (!editing) return;
    var row = rowCache[editing.i];
    editing.box.remove();
    row.classList.remove("editing");
    editing = null;
    if (refocus) row.focus({ preventScroll: true });
  }

  function openEditor(i) {
    closeEditor(false);
    var p = pairs[i];
    var row = rowOf(i);
    var dec = decisions.get(p.id);
    var box = el("div", "editor");
    var area = el("textarea");
    area.value = dec && dec.d === "edit" ? dec.e : p.tt;
    area.rows = Math.min(10, Math.max(2, Math.ceil(area.value.length / 60) + 1));
    area.setAttribute("aria-label", "Corrected target text of pair " + p.id);
    box.appendChild(area);
    var bar = el("div", "ebar");
    var save = el("button", "esave", "Save");
    save.type = "button";
    var cancel = el("button", "ecancel", "Cancel");
    cancel.type = "button";
    bar.appendChild(save);
    bar.appendChild(cancel);
    bar.appendChild(el("span", "hint", "Enter saves \u00b7 Shift+Enter new line \u00b7 Esc cancels"));
    var note = el("span", "enote");
    bar.appendChild(note);
    box.appendChild(bar);
    row.querySelector(".side.tgt").appendChild(box);
    row.classList.add("editing");
    editing = { i: i, box: box, area: area, note: note };
    area.addEventListener("keydown", function (event) {
      if (event.isComposing) return;
      if (event.key === "Enter" && !event.shiftKey && !event.ctrlKey && !event.altKey && !event.metaKey) {
        event.preventDefault();
        saveEditor(true);
      } else if (event.key === "Escape") {
        event.preventDefault();
        closeEditor(true);
      }
    });
    save.addEventListener("click", function () { saveEditor(false); });
    cancel.addEventListener("click", function () { closeEditor(true); });
    area.focus();
    area.setSelectionRange(area.value.length, area.value.length);
  }

  function clean(text) { return text.replace(/\r\n?/g, "\n").trim(); }

  function saveEditor(advance) {
    var i = editing.i;
    var text = clean(editing.area.value);
    if (!text) {
      editing.note.textContent = "The corrected text is empty: reject the pair instead (Esc, then r).";
      return;
    }
    closeEditor(true);
    // The unchanged translation is an acceptance, as `review apply` would read it.
    decide(i, text === clean(pairs[i].tt) ? "accept" : "edit", text);
    if (advance) move(1);
  }

  function act(i, what, fromKeyboard) {
    if (what === "edit") { openEditor(i); return; }
    var dec = decisions.get(pairs[i].id);
    var d = what === "undo" ? "" : what;
    // A click on the pressed button takes the decision back; a key always sets it and moves on.
    if (!fromKeyboard && dec && dec.d === d) d = "";
    if (decide(i, d) && fromKeyboard && d) move(1);
  }

  main.addEventListener("click", function (event) {
    var row = event.target.closest(".pair");
    if (!row || (editing && editing.box.contains(event.target))) return;
    var i = Number(row.dataset.index);
    select(positionOf[i], false);
    var button = event.target.closest("button.act");
    if (button) act(i, button.dataset.act, false);
  });

  var KEYS = { j: "next", k: "previous", a: "accept", r: "reject", e: "edit", u: "undo" };

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) {
      if (event.key === "Escape" && target.tagName !== "TEXTAREA") target.blur(); // back to the pairs
      return;
    }
    var what = KEYS[event.key.length === 1 ? event.key.toLowerCase() : ""];
    if (!what) return;
    event.preventDefault();
    if (what === "next") { move(1); return; }
    if (what === "previous") { move(-1); return; }
    if (selected < 0 || positionOf[selected] < 0) {
      if (select(0, true)) say("Pair " + pairs[selected].id + " selected: press a, r or e again to decide it.");
      return;
    }
    act(selected, what, true);
  });

  // ------------------------------------------------------------ progress and the reviewed CSV

  var progressNodes = {
    done: document.getElementById("p-done"),
    accept: document.getElementById("p-accept"),
    edit: document.getElementById("p-edit"),
    reject: document.getElementById("p-reject"),
    kinds: {}
  };
  document.querySelectorAll("[data-progress-kind]").forEach(function (node) {
    progressNodes.kinds[node.dataset.progressKind] = node.querySelector(".p-kind-done");
  });

  function progress() {
    var byKind = {};
    var byDecision = { accept: 0, edit: 0, reject: 0 };
    decisions.forEach(function (dec, id) {
      var kind = pairs[indexById.get(id)].kind;
      byKind[kind] = (byKind[kind] || 0) + 1;
      byDecision[dec.d]++;
    });
    progressNodes.done.textContent = String(decisions.size);
    Object.keys(progressNodes.kinds).forEach(function (kind) {
      progressNodes.kinds[kind].textContent = String(byKind[kind] || 0);
    });
    progressNodes.accept.textContent = String(byDecision.accept);
    progressNodes.edit.textContent = String(byDecision.edit);
    progressNodes.reject.textContent = String(byDecision.reject);
  }

  // The same neutralisation as pipeline.io.neutralise_cell: no cell starts a spreadsheet formula.
  var FORMULA = /^'*[=+\-@\t\r]/;
  var NEGATIVE_NUMBER = /^-(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/;

  function quote(text) {
    return /[",\r\n]/.test(text) ? "\"" + text.replace(/"/g, "\"\"") + "\"" : text;
  }

  function cell(text) {
    return quote(FORMULA.test(text) && !NEGATIVE_NUMBER.test(text) ? "'" + text : text);
  }

  function has(object, name) { return Object.prototype.hasOwnProperty.call(object, name); }

  // aligned.csv with the reviewer's columns filled, byte for byte as pipeline.io.write_csv writes it.
  function reviewedCsv() {
    var columns = data.csv.columns;
    var fields = data.csv.fields;
    var rawAt = {};
    data.csv.raw.forEach(function (column, k) { rawAt[column] = k; });
    var lines = [columns.map(quote).join(",")];
    for (var i = 0; i < pairs.length; i++) {
      var p = pairs[i];
      var dec = decisions.get(p.id);
      var cells = new Array(columns.length);
      for (var c = 0; c < columns.length; c++) {
        var column = columns[c];
        var v = "";
        if (column === "decision") v = dec ? dec.d : "";
        else if (column === "edited_tgt_text") v = dec && dec.d === "edit" ? dec.e : "";
        else if (has(fields, column)) v = p[fields[column]];
        else if (has(rawAt, column)) v = p.raw[rawAt[column]];
        if (Array.isArray(v)) v = "[" + v.join(", ") + "]";
        cells[c] = cell(String(v));
      }
      lines.push(cells.join(","));
    }
    return "\ufeff" + lines.join("\n") + "\n";
  }

  document.getElementById("download").addEventListener("click", function () {
    var blob = new Blob([reviewedCsv()], { type: "text/csv;charset=utf-8" });
    var url = URL.createObjectURL(blob);
    var link = el("a");
    link.href = url;
    link.download = data.csv.filename;
    document.body.appendChild(link);
    link.click();
    link.remove();
    window.setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
    say("Downloaded " + data.csv.filename + " with " + decisions.size + " decisions of " + pairs.length
      + " pairs. Apply it with: pipeline review apply " + data.csv.filename + " --run RUN_DIR --out FINAL_DIR");
  });

  // ------------------------------------------------------------ start

  var restored = loadDecisions();
  if (!storage) {
    savedLabel.textContent = "This browser does not let the page keep decisions: download the CSV before closing the tab.";
    savedLabel.className = "saved failed";
  } else if (restored) {
    savedLabel.textContent = "Restored " + restored + " decisions saved in this browser.";
    savedLabel.className = "saved ok";
  } else {
    savedLabel.textContent = "Decisions are saved in this browser as you make them.";
    savedLabel.className = "saved ok";
  }
  progress();
  apply();
  document.body.dataset.ready = "true";
})();
