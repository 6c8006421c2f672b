/*
 * 长者模式（关怀版）开关，以及“打印本页”按钮。
 * 长者模式：在 <head> 中同步载入，先于页面绘制给 <html> 加上
 * elder 类，避免闪烁；页面解析完后把页眉里的按钮接上。选择记在 localStorage。
 * 不加载任何外部资源；没有脚本时按钮不显示，页面照常可用。
 */
(function () {
  var root = document.documentElement;
  var KEY = "wenming-elder";
  var on = false;
  try { on = window.localStorage.getItem(KEY) === "1"; } catch (e) { /* 隐私模式等 */ }
  root.className += (root.className ? " " : "") + "js" + (on ? " elder" : "");

  function set(state) {
    on = state;
    if (on) { root.classList.add("elder"); } else { root.classList.remove("elder"); }
    try { window.localStorage.setItem(KEY, on ? "1" : "0"); } catch (e) { /* 忽略 */ }
    var buttons = document.querySelectorAll(".elder-toggle");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute("aria-pressed", on ? "true" : "false");
    }
  }

  function init() {
    var buttons = document.querySelectorAll(".elder-toggle");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute("aria-pressed", on ? "true" : "false");
      buttons[i].addEventListener("click", function () { set(!on); });
    }
    // 页面上的“打印本页”按钮（标准页、材料汇编）。
    var prints = document.querySelectorAll(".print-button");
    for (var j = 0; j < prints.length; j++) {
      prints[j].addEventListener("click", function () { window.print(); });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
