// Live reload for `wenming serve`: waits for the next build, reloads after a
// good one, shows the errors of a bad one over the (last good) page.
(function () {
  var me = document.currentScript;
  var base = me.getAttribute("data-base");
  var seen = Number(me.getAttribute("data-version"));
  function show(text) {
    var box = document.getElementById("wenming-errors");
    if (!text) {
      if (box) box.parentNode.removeChild(box);
      return;
    }
    if (!box) {
      box = document.createElement("div");
      box.id = "wenming-errors";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;left:0;right:0;bottom:0;max-height:50vh;overflow:auto;z-index:2147483647;" +
        "background:#fff5f5;color:#6b0000;border-top:4px solid #a4161a;padding:12px 16px;" +
        "font:14px/1.6 ui-monospace,Consolas,monospace;white-space:pre-wrap;box-shadow:0 -2px 8px rgba(0,0,0,.2)";
      document.body.appendChild(box);
    }
    box.textContent = "网站有错误，预览仍显示上一次成功生成的内容。改正后保存即可：\n\n" + text;
  }
  function handle(state) {
    if (state.version !== seen && !state.errors) {
      location.reload();
      return false;
    }
    seen = state.version;
    show(state.errors);
    return true;
  }
  function json(r) {
    if (!r.ok) throw new Error(r.status);
    return r.json();
  }
  function poll() {
    var asked = Date.now();
    fetch(base + "__wenming/wait?v=" + seen, { cache: "no-store" })
      .then(json)
      .then(function (s) {
        var news = s.version !== seen;
        if (!handle(s)) return;
        // An answer at once with no news: the server holds as many waits
        // as it will (many tabs open). Ask again later, not in a loop.
        if (news || Date.now() - asked > 1000) poll();
        else setTimeout(poll, 3000);
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  fetch(base + "__wenming/state", { cache: "no-store" })
    .then(json)
    .then(function (s) { if (handle(s)) poll(); })
    .catch(function () { setTimeout(poll, 2000); });
})();
