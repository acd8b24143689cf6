// Tell RequireJS where the widgets manager bundled with this book lives. Its modules compute
// the URL of their icon fonts from their own module path, so every @jupyter-widgets module
// must resolve into html-manager/ here, not to a folder next to each page.
(function () {
  var src = document.currentScript.src;
  var base = src.substring(0, src.lastIndexOf("/") + 1) + "html-manager";
  require.config({ paths: { "@jupyter-widgets/html-manager/dist": base, "@jupyter-widgets": base } });
})();
