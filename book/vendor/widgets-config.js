// Tell RequireJS where the widgets manager bundled with this book lives, so the icon fonts it
// loads come from the book itself instead of a CDN-style path next to each page.
(function () {
  var src = document.currentScript.src;
  var base = src.substring(0, src.lastIndexOf("/") + 1);
  require.config({ paths: { "@jupyter-widgets/html-manager/dist": base + "html-manager" } });
})();
