// The workbench's pages: plain ES2017, no build step, nothing from outside.
// Every write is a POST with the CSRF secret of the page in a header.
(function () {
  "use strict";

  var csrfMeta = document.querySelector('meta[name="wenming-csrf"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";

  function toast(text, bad) {
    var t = document.getElementById("toast");
    if (!t) return;
    t.textContent = text;
    t.className = bad ? "bad shown" : "shown";
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { t.className = ""; }, 6000);
  }

  async function post(path, body, raw) {
    var headers = { "X-Wenming-Csrf": csrf };
    if (!raw) headers["Content-Type"] = "application/json";
    var response;
    try {
      response = await fetch("/__wenming/api/" + path, {
        method: "POST",
        headers: headers,
        body: raw ? body : JSON.stringify(body),
        credentials: "same-origin"
      });
    } catch (e) {
      return { status: 0, data: { ok: false, message: "连接不上 wenming：它的窗口是否已经关闭？" } };
    }
    var data;
    try {
      data = await response.json();
    } catch (e) {
      data = { ok: false, message: (await response.text().catch(function () { return ""; })) || ("出错了（" + response.status + "）") };
    }
    return { status: response.status, data: data };
  }

  // What a refused write says: each message, or the one answer.
  function refusal(data) {
    return "错误：" + (data.messages ? data.messages.map(function (m) { return m.text; }).join("；") : data.message);
  }

  function debounce(fn, ms) {
    var timer;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  // ---- 导入 Word: each .docx becomes a report; one alone opens in the form ----
  var importFiles = document.getElementById("import-files");
  if (importFiles) {
    importFiles.addEventListener("change", async function () {
      var files = Array.from(importFiles.files);
      importFiles.value = "";
      var out = document.getElementById("import-result");
      out.textContent = "";
      var made = [];
      for (var i = 0; i < files.length; i++) {
        var f = files[i];
        toast("正在导入 " + f.name + "（" + (i + 1) + "/" + files.length + "）");
        var kind = document.getElementById("import-kind").value;
        var r = await post("report/import?name=" + encodeURIComponent(f.name) + (kind ? "&kind=" + encodeURIComponent(kind) : ""), f, true);
        var box = document.createElement("div");
        box.className = "import " + (r.data.ok ? "ok" : "error");
        var p = document.createElement("p");
        p.className = r.data.ok ? "ok" : "error";
        p.textContent = r.data.message;
        box.appendChild(p);
        if (r.data.ok) {
          made.push(r.data.path);
          var link = document.createElement("a");
          link.href = "report?path=" + encodeURIComponent(r.data.path);
          link.textContent = "打开这篇报道，补选考评标准";
          box.appendChild(link);
        }
        var notes = r.data.ok ? r.data.warnings : r.data.messages;
        if (notes && notes.length) {
          var ul = document.createElement("ul");
          notes.forEach(function (n) {
            var li = document.createElement("li");
            li.textContent = n;
            ul.appendChild(li);
          });
          box.appendChild(ul);
        }
        out.appendChild(box);
      }
      if (files.length === 1 && made.length === 1) {
        location.href = "report?path=" + encodeURIComponent(made[0]);
      }
    });
  }

  // ---- 报道列表: filters ----
  var list = document.getElementById("report-list");
  if (list) {
    var filter = function () {
      var text = document.getElementById("f-text").value.trim();
      var kind = document.getElementById("f-kind").value;
      var criterion = document.getElementById("f-criterion").value;
      var office = document.getElementById("f-office").value;
      var month = document.getElementById("f-month").value;
      var shown = 0;
      list.querySelectorAll("tbody tr").forEach(function (row) {
        var ok = (!text || row.dataset.title.indexOf(text) >= 0) &&
          (!kind || row.dataset.kind === kind) &&
          (!criterion || row.dataset.criteria.indexOf(" " + criterion + " ") >= 0) &&
          (!office || row.dataset.offices.indexOf("|" + office + "|") >= 0) &&
          (!month || row.dataset.month === month);
        row.hidden = !ok;
        if (ok) shown++;
      });
      document.getElementById("count").textContent = "共 " + shown + " 篇";
    };
    document.getElementById("filters").addEventListener("input", filter);
    document.getElementById("filters").addEventListener("change", filter);
  }

  // ---- 报道 form ----
  var form = document.getElementById("report-form");
  if (form) reportForm(form);

  function reportForm(form) {
    var data = JSON.parse(document.getElementById("wb-data").textContent);
    var state = data.form;
    var chosen = new Set(state.criteria);
    var body = document.getElementById("body");

    function current() {
      var offices = [];
      form.querySelectorAll('input[name="offices"]:checked').forEach(function (c) { offices.push(c.value); });
      return {
        path: state.path,
        version: state.version,
        title: document.getElementById("title").value,
        date: document.getElementById("date").value,
        kind: document.getElementById("kind").value,
        criteria: Array.from(chosen),
        offices: offices,
        participants: document.getElementById("participants").value,
        hours: document.getElementById("hours").value,
        location: document.getElementById("location").value,
        summary: document.getElementById("summary").value,
        attachments: state.attachments,
        draft: document.getElementById("draft").checked,
        body: body.value
      };
    }

    // Criteria picker: each criterion and its items, searchable.
    var picker = document.getElementById("criteria-picker");
    data.choices.criteria.forEach(function (c) {
      var group = document.createElement("div");
      group.className = "criterion-choice";
      group.dataset.search = (c.id + " " + c.text + " " + c.category + " " + c.items.map(function (i) { return i.id + " " + i.text; }).join(" ")).toLowerCase();
      group.appendChild(choice(c.id, "第 " + c.id + " 条（整条）" + (c.text ? "：" + c.text : ""), "whole"));
      c.items.forEach(function (i) {
        group.appendChild(choice(i.id, i.id + " " + i.text + "（" + i.points + " 分）", "item"));
      });
      picker.appendChild(group);
    });
    function choice(id, text, cls) {
      var label = document.createElement("label");
      label.className = "check " + cls;
      var box = document.createElement("input");
      box.type = "checkbox";
      box.value = id;
      box.checked = chosen.has(id);
      box.addEventListener("change", function () {
        if (box.checked) chosen.add(id); else chosen.delete(id);
        showChosen();
        check();
      });
      label.appendChild(box);
      label.appendChild(document.createTextNode(" " + text));
      return label;
    }
    function showChosen() {
      var p = document.getElementById("criteria-chosen");
      p.textContent = chosen.size ? "已选：" + Array.from(chosen).join("、") : "尚未选择考评标准";
    }
    showChosen();
    document.getElementById("criteria-search").addEventListener("input", function (e) {
      var q = e.target.value.trim().toLowerCase();
      picker.querySelectorAll(".criterion-choice").forEach(function (g) {
        g.hidden = q !== "" && g.dataset.search.indexOf(q) < 0;
      });
    });

    // Messages next to the fields.
    var fields = ["", "title", "date", "kind", "criteria", "offices", "participants", "hours", "location", "summary", "attachments", "body"];
    function showMessages(messages) {
      var byField = {};
      (messages || []).forEach(function (m) {
        var f = fields.indexOf(m.field) >= 0 ? m.field : "";
        (byField[f] = byField[f] || []).push(m);
      });
      fields.forEach(function (f) {
        var el = document.getElementById("msg-" + f);
        if (!el) return;
        el.textContent = "";
        el.className = f === "" ? "form-message" : "field-msg";
        (byField[f] || []).forEach(function (m) {
          var line = document.createElement("span");
          line.className = m.error ? "error" : "warning";
          line.textContent = (m.error ? "错误：" : "提示：") + m.text;
          el.appendChild(line);
        });
        var input = document.getElementById(f);
        if (input) {
          if ((byField[f] || []).some(function (m) { return m.error; })) input.setAttribute("aria-invalid", "true");
          else input.removeAttribute("aria-invalid");
        }
      });
    }

    // Preview: the body as the renderer makes it, in a frame that runs no script.
    var frame = document.createElement("iframe");
    // No script runs in it; same origin only so its pictures come with the cookie.
    frame.setAttribute("sandbox", "allow-same-origin");
    frame.title = "正文预览";
    document.getElementById("preview").appendChild(frame);
    // The report's folder as it is on disk: its photos show before the
    // preview site has processed them.
    function sourceDir() {
      var p = state.path || "content/reports/";
      return "/__wenming/source/" + p.slice(0, p.lastIndexOf("/") + 1).split("/").map(encodeURIComponent).join("/");
    }
    function showPreview(html) {
      var base = data.base || "/";
      frame.srcdoc = '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><base href="' +
        location.origin + sourceDir() + '"><link rel="stylesheet" href="' + location.origin + base +
        'style.css"><style>body{margin:12px}</style></head><body><article class="article-body">' + html + "</article></body></html>";
    }

    var checking = 0;
    async function checkNow() {
      var mine = ++checking;
      var r = await post("report/check", current());
      if (mine !== checking) return;
      if (r.data.ok) {
        showMessages(r.data.messages);
        showPreview(r.data.html || "");
      }
    }
    var check = debounce(checkNow, 400);
    form.addEventListener("input", check);
    form.addEventListener("change", check);
    checkNow();

    // Toolbar: the simplest Markdown a user can read back.
    form.querySelectorAll(".toolbar button").forEach(function (b) {
      b.addEventListener("click", function () {
        var s = body.selectionStart, e = body.selectionEnd, v = body.value;
        var picked = v.slice(s, e);
        if (b.dataset.wrap) {
          var w = b.dataset.wrap;
          body.setRangeText(w + (picked || "加粗的文字") + w, s, e, "select");
        } else if (b.dataset.line) {
          var start = v.lastIndexOf("\n", s - 1) + 1;
          body.setRangeText(b.dataset.line, start, start, "end");
        } else if (b.dataset.link) {
          var url = prompt("链接的网址（如 https://www.gov.cn/）", "https://");
          if (!url) return;
          body.setRangeText("[" + (picked || "链接文字") + "](" + url + ")", s, e, "select");
        }
        body.focus();
        check();
      });
    });

    // Photos: the lines of the body that are only a picture.
    var photoLine = /^!\[([^\]]*)\]\(([^)\s]+)\)\s*$/;
    function photoLines() {
      var lines = body.value.split("\n");
      var out = [];
      lines.forEach(function (l, i) {
        var m = photoLine.exec(l);
        if (m) out.push({ index: i, caption: m[1], name: m[2] });
      });
      return { lines: lines, photos: out };
    }
    function setPhotos(photos) {
      var p = photoLines();
      p.photos.forEach(function (old, k) {
        var n = photos[k];
        p.lines[old.index] = n ? "![" + n.caption.replace(/[\[\]\n]/g, "") + "](" + n.name + ")" : null;
      });
      body.value = p.lines.filter(function (l) { return l !== null; }).join("\n");
      showPhotos();
      check();
    }
    var dragged = null;
    function showPhotos() {
      var ol = document.getElementById("photo-list");
      ol.textContent = "";
      var photos = photoLines().photos;
      photos.forEach(function (ph, k) {
        var li = document.createElement("li");
        li.draggable = true;
        var img = document.createElement("img");
        img.alt = "";
        img.src = sourceDir() + ph.name.split("/").map(encodeURIComponent).join("/");
        img.loading = "lazy";
        var label = document.createElement("label");
        label.htmlFor = "caption-" + k;
        label.textContent = "照片说明（" + ph.name + "）";
        var input = document.createElement("input");
        input.id = "caption-" + k;
        input.type = "text";
        input.value = ph.caption;
        input.addEventListener("change", function () {
          photos[k].caption = input.value;
          setPhotos(photos);
        });
        var up = button("上移", function () { if (k > 0) { swap(photos, k, k - 1); } });
        var down = button("下移", function () { if (k < photos.length - 1) { swap(photos, k, k + 1); } });
        var remove = button("移除", function () { photos.splice(k, 1); setPhotos(photos); });
        [up, down, remove].forEach(function (b) { b.className = "secondary small"; });
        var box = document.createElement("div");
        box.appendChild(label);
        box.appendChild(input);
        box.appendChild(up);
        box.appendChild(down);
        box.appendChild(remove);
        li.appendChild(img);
        li.appendChild(box);
        li.addEventListener("dragstart", function () { dragged = k; });
        li.addEventListener("dragover", function (e) { e.preventDefault(); });
        li.addEventListener("drop", function (e) {
          e.preventDefault();
          if (dragged === null || dragged === k) return;
          var moved = photos.splice(dragged, 1)[0];
          photos.splice(k, 0, moved);
          dragged = null;
          setPhotos(photos);
        });
        ol.appendChild(li);
      });
    }
    function swap(photos, a, b) {
      var t = photos[a]; photos[a] = photos[b]; photos[b] = t;
      setPhotos(photos);
    }
    function button(text, onClick) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = text;
      b.addEventListener("click", onClick);
      return b;
    }
    showPhotos();
    body.addEventListener("input", debounce(showPhotos, 300));

    function showAttachments() {
      var ul = document.getElementById("attachment-list");
      ul.textContent = "";
      state.attachments.forEach(function (name, k) {
        var li = document.createElement("li");
        li.textContent = name + " ";
        li.appendChild(button("移除", function () {
          state.attachments.splice(k, 1);
          showAttachments();
          check();
        }));
        ul.appendChild(li);
      });
    }
    showAttachments();

    async function upload(files, kind) {
      if (!files.length) return;
      if (!state.path) {
        var saved = await save();
        if (!saved) { toast("请先改正标出的问题并保存报道，再添加" + (kind === "photo" ? "照片" : "附件"), true); return; }
      }
      for (var i = 0; i < files.length; i++) {
        var f = files[i];
        toast("正在上传 " + f.name + "（" + (i + 1) + "/" + files.length + "）");
        var r = await post("report/upload?path=" + encodeURIComponent(state.path) + "&name=" + encodeURIComponent(f.name) + "&kind=" + kind, f, true);
        if (!r.data.ok) { toast(r.data.message, true); return; }
        if (r.data.path !== state.path) {
          state.path = r.data.path;
          history.replaceState(null, "", "report?path=" + encodeURIComponent(state.path));
        }
        state.version = r.data.version;
        if (kind === "photo") {
          var n = photoLines().photos.length + 1;
          var caption = (document.getElementById("title").value.trim() || "活动") + "（照片" + n + "）";
          body.value = body.value.replace(/\s*$/, "") + "\n\n![" + caption + "](" + r.data.name + ")\n";
        } else {
          state.attachments.push(r.data.name);
          showAttachments();
        }
      }
      showPhotos();
      await save();
    }
    // A copy of the chosen files: clearing the input (so the same file can be
    // chosen again) empties its FileList while the uploads are still running.
    document.getElementById("photo-files").addEventListener("change", function (e) { upload(Array.from(e.target.files), "photo"); e.target.value = ""; });
    document.getElementById("attachment-files").addEventListener("change", function (e) { upload(Array.from(e.target.files), "attachment"); e.target.value = ""; });
    var drop = document.getElementById("drop");
    ["dragenter", "dragover"].forEach(function (t) { drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add("over"); }); });
    ["dragleave", "drop"].forEach(function (t) { drop.addEventListener(t, function () { drop.classList.remove("over"); }); });
    drop.addEventListener("drop", function (e) {
      e.preventDefault();
      var files = Array.from(e.dataTransfer.files).filter(function (f) { return /^image\//.test(f.type); });
      upload(files, "photo");
    });

    async function save() {
      var r = await post("report/save", current());
      var reload = document.getElementById("reload");
      if (r.data.ok) {
        var wasNew = !state.path;
        state.path = r.data.path;
        state.version = r.data.version;
        showMessages(r.data.messages);
        toast(r.data.message || "已保存");
        if (wasNew) history.replaceState(null, "", "report?path=" + encodeURIComponent(state.path));
        reload.hidden = true;
        return true;
      }
      if (r.status === 409) reload.hidden = false;
      showMessages(r.data.messages || [{ field: "", error: true, text: r.data.message }]);
      if (r.data.messages) document.getElementById("msg-").textContent = r.data.message;
      toast(r.data.message, true);
      return false;
    }
    form.addEventListener("submit", function (e) { e.preventDefault(); save(); });
    document.getElementById("publish").addEventListener("click", function () {
      document.getElementById("draft").checked = false;
      save();
    });
    document.getElementById("reload").addEventListener("click", function () {
      location.href = state.path ? "report?path=" + encodeURIComponent(state.path) : "report";
    });
  }

  // ---- 台账 ----
  var ledger = document.getElementById("ledger");
  if (ledger) {
    ledger.querySelectorAll("form.ledger-row").forEach(function (row) {
      row.addEventListener("submit", async function (e) {
        e.preventDefault();
        var msg = row.querySelector(".field-msg");
        var score = row.querySelector('[name="score"]');
        var points = parseFloat(row.dataset.points);
        msg.textContent = "";
        score.removeAttribute("aria-invalid");
        if (score.value.trim() !== "") {
          var s = Number(score.value);
          if (!(s >= 0) || s > points) {
            score.setAttribute("aria-invalid", "true");
            msg.textContent = "错误：自评分应在 0 到 " + points + " 分之间（该项分值 " + points + " 分），没有保存";
            return;
          }
        }
        var r = await post("ledger/save", {
          version: ledger.dataset.version,
          key: row.dataset.key,
          status: row.querySelector('[name="status"]').value,
          deadline: row.querySelector('[name="deadline"]').value,
          score: score.value,
          note: row.querySelector('[name="note"]').value
        });
        if (r.data.ok) {
          ledger.dataset.version = r.data.version;
          msg.textContent = "已保存";
          toast("已保存计分项 " + row.id.replace("item-", ""));
        } else {
          msg.textContent = refusal(r.data);
          toast(r.data.message, true);
        }
      });
      // 扫描件: each file goes to the row's key; the ledger's version moves on.
      var input = row.querySelector(".scan-files");
      input.addEventListener("change", async function () {
        var files = Array.from(input.files);
        input.value = "";
        var msg = row.querySelector(".field-msg");
        for (var i = 0; i < files.length; i++) {
          var f = files[i];
          toast("正在上传 " + f.name + "（" + (i + 1) + "/" + files.length + "）");
          var r = await post("ledger/upload?key=" + encodeURIComponent(row.dataset.key) +
            "&name=" + encodeURIComponent(f.name) + "&version=" + encodeURIComponent(ledger.dataset.version), f, true);
          if (!r.data.ok) {
            msg.textContent = refusal(r.data);
            toast(r.data.message, true);
            return;
          }
          ledger.dataset.version = r.data.version;
          var li = document.createElement("li");
          li.textContent = r.data.name;
          row.querySelector(".scan-list").appendChild(li);
          msg.textContent = r.data.message;
        }
        toast("已上传扫描件：计分项 " + row.id.replace("item-", ""));
      });
    });
  }
  var indicators = document.getElementById("indicators");
  if (indicators) {
    indicators.addEventListener("submit", async function (e) {
      e.preventDefault();
      var values = {};
      indicators.querySelectorAll("input").forEach(function (i) { values[i.name] = i.value; });
      var r = await post("indicators/save", { version: indicators.dataset.version, values: values });
      var msg = document.getElementById("msg-indicators");
      if (r.data.ok) { indicators.dataset.version = r.data.version; msg.textContent = "已保存"; toast("已保存量化指标"); }
      else { msg.textContent = "错误：" + r.data.message; toast(r.data.message, true); }
    });
  }
  var honor = document.getElementById("honor");
  if (honor) {
    honor.addEventListener("submit", async function (e) {
      e.preventDefault();
      var value = function (n) { return honor.querySelector('[name="' + n + '"]').value; };
      var r = await post("honors/add", { version: honor.dataset.version, name: value("name"), level: value("level"), date: value("date"), issuer: value("issuer") });
      var msg = document.getElementById("msg-honor");
      if (r.data.ok) { location.reload(); }
      else { msg.textContent = refusal(r.data); }
    });
  }

  // ---- 生成与发布 ----
  // A button that runs a build (or a publish) and shows its answer: the
  // headline in bold, the messages below.
  function runButton(id, api, busy, show) {
    var button = document.getElementById(id);
    if (!button) return;
    button.addEventListener("click", async function () {
      var out = document.getElementById(id.replace("-site", "-result"));
      button.disabled = true;
      out.textContent = busy;
      var r = await post(api, {});
      button.disabled = false;
      out.textContent = "";
      var shown = show(r.data);
      var p = document.createElement("p");
      p.className = r.data.ok ? "ok" : "error";
      p.textContent = shown.headline;
      out.appendChild(p);
      if (shown.details.length) {
        var pre = document.createElement("pre");
        pre.textContent = shown.details.join("\n");
        out.appendChild(pre);
      }
      if (r.data.ok && shown.after) out.appendChild(shown.after());
    });
  }
  runButton("build-site", "build", "正在生成……", function (data) {
    return { headline: data.summary || data.message, details: data.lines || [] };
  });
  runButton("publish-site", "publish", "正在生成网站和发布包……", function (data) {
    return {
      headline: (data.published || [data.message]).join("\n"),
      details: (data.lines || []).concat(data.summary ? [data.summary] : []),
      after: function () {
        var again = document.createElement("p");
        var link = document.createElement("a");
        link.href = "build";
        link.textContent = "刷新本页，下载新的发布包";
        again.appendChild(link);
        return again;
      }
    };
  });

  // ---- 备份与恢复 ----
  document.querySelectorAll("[data-restore]").forEach(function (b) {
    b.addEventListener("click", async function () {
      var r = await post("restore", { id: b.dataset.restore });
      toast(r.data.message, !r.data.ok);
      if (r.data.ok) setTimeout(function () { location.reload(); }, 800);
    });
  });
})();
